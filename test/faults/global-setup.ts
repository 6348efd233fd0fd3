import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import baseSetup from '../global-setup';
import { buildWorkflowBundle } from '../../scripts/build-workflow-bundle';

/**
 * The Temporal binaries (as for `npm test`), and the workflow bundle built once: the fault tests start
 * a dozen workers, and each would otherwise run webpack at start-up (tens of seconds on two busy cores),
 * which would make "time to recover" measure webpack rather than the service.
 */
export default async function globalSetup(): Promise<void> {
  baseSetup();
  const file = path.join(os.tmpdir(), `faults-workflow-bundle-${randomBytes(4).toString('hex')}.js`);
  process.env.FAULTS_WORKFLOW_BUNDLE_PATH = await buildWorkflowBundle(file);
}
