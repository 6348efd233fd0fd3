import type { Charges, CancellationChannel, CancellationStage, ReasonCode } from './types';
import type { Refusal } from './errors';

/** The Cancellation object of API.md, as the workflow's query and the database both produce it. */
export interface CancellationView {
  id: string;
  subscriptionId: string;
  accountId: string;
  stage: CancellationStage;
  channel: CancellationChannel;
  requestedBy: { userId: string; email: string };
  submittedBy: { supportAgentId: string | null };
  reason: { code: ReasonCode; comment?: string } | null;
  requestedAt: string;
  effectiveAt: string;
  completedAt: string | null;
  withdrawnAt: string | null;
  checklist: {
    balanceClear: boolean;
    licensesUnassigned: boolean;
    dataBackedUp: boolean;
    dataBackupLocation: string | null;
  };
  charges: Charges;
  warnings: string[];
  workflowId: string;
}

/** What starts a cancellation workflow (the API builds it from an authenticated request). */
export interface CancellationRequest {
  cancellationId: string;
  subscriptionId: string;
  accountId: string;
  channel: CancellationChannel;
  /** `locale`: the requester's (en | fr), for the e-mails; absent in requests recorded before it existed. */
  requester: { userId: string; email: string; locale?: string | null };
  /** Set when support submits on the customer's behalf (P12). */
  supportAgentId: string | null;
  reason: { code: ReasonCode; comment?: string } | null;
}

/** The decision the API learns before it answers (P11): a 201 or a 422 listing every refusal. */
export type SubmitResult =
  { accepted: true; cancellation: CancellationView } | { accepted: false; refusals: Refusal[] };

/** Stages after which nothing can change any more. */
export const ClosedStages: readonly CancellationStage[] = ['completed', 'withdrawn', 'failed'];

/**
 * One cancellation in progress per subscription is guaranteed by the workflow id: it names the
 * subscription and the generation (1 + the number of closed cancellations of that subscription), so
 * concurrent requests for the same subscription collide on one id, while a withdrawn or completed
 * cancellation moves the next request to a fresh id.
 */
export function cancellationWorkflowId(subscriptionId: string, generation: number): string {
  return `cancellation-${subscriptionId}-${generation}`;
}
