import type { Logger } from '../../config/logger';
import type { Db } from '../../db/client';
import type { WorkflowGateway } from '../workflow-client';

/** What the services need from the outside world; tests pass their own. */
export interface Services {
  db: Db;
  workflows: WorkflowGateway;
  clock: () => Date;
  logger: Logger;
}
