import type { Logger } from '../../config/logger';
import type { Db } from '../../db/client';
import type { SecretBox } from '../../outbound/webhooks/secret-box';
import type { WorkflowGateway } from '../workflow-client';

/** Webhook endpoints (API.md v1.2): how secrets are sealed, and whether private addresses are allowed. */
export interface WebhookSettings {
  secretBox: SecretBox;
  /** WEBHOOK_ALLOW_PRIVATE: http:// and private, loopback and link-local addresses (development and tests). */
  allowPrivate: boolean;
}

/** Events the services report for operators (Prometheus counters in the API process). */
export interface ServiceEvents {
  /** P12: a support verification failed. */
  verificationFailed(): void;
}

export const noServiceEvents: ServiceEvents = { verificationFailed: () => undefined };

/** What the services need from the outside world; tests pass their own. */
export interface Services {
  db: Db;
  workflows: WorkflowGateway;
  clock: () => Date;
  logger: Logger;
  events: ServiceEvents;
  webhooks: WebhookSettings;
  /** PUBLIC_URL: the origin portal links are built on; the request's own origin when unset. */
  publicUrl?: string;
  /**
   * The request's Idempotency-Key digest, scoped to caller, method and path (api/idempotency.ts): what
   * the ids a request creates are derived from, so that its retry converges (API.md). Absent without a key.
   */
  requestKey?: string;
}
