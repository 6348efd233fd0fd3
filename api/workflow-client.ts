/**
 * The API's only door into the cancellation workflows: starting one (Update-with-Start, so the
 * decision is known before the HTTP answer) and messaging or querying a running one. Routes call
 * these functions; they never build workflow ids or options themselves.
 */
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure, TypedSearchAttributes } from '@temporalio/common';
import { ErrorCode } from '../domain/errors';
import type { CancellationRequest, CancellationView, SubmitResult } from '../domain/cancellation';
import { cancellationWorkflowId } from '../domain/cancellation';
import { outboundTaskQueueOf } from '../domain/events';
import type { cancellationWorkflow } from '../workflows/cancellation';
import type { webhookRedeliveryWorkflow } from '../workflows/outbox';
import {
  changeContractEndUpdate,
  confirmDataBackupUpdate,
  recountLicensesUpdate,
  submitUpdate,
  withdrawUpdate,
} from '../workflows/messages';
import * as sa from '../workflows/search-attributes';

export interface WorkflowGateway {
  client: Client;
  taskQueue: string;
  /**
   * The request's deadline (API.md: one deadline per request): every call to Temporal made through this
   * gateway gives up by then, update polling included, and fails with a gRPC DEADLINE_EXCEEDED (a 503).
   */
  deadline?: Date;
}

/** Runs a Temporal call within the gateway's deadline, if it has one. */
function bounded<T>(gw: WorkflowGateway, call: () => Promise<T>): Promise<T> {
  return gw.deadline ? gw.client.withDeadline(gw.deadline, call) : call();
}

export type SubmitOutcome =
  SubmitResult | { accepted: false; conflict: { workflowId: string; cancellationId: string | null } };

export interface SubmitContext {
  /** 1 + the number of closed cancellations of the subscription (see cancellationWorkflowId). */
  generation: number;
  /** Derived from the request's Idempotency-Key: Temporal deduplicates a retried update by its id. */
  updateId?: string;
  productName: string;
  productFamily: string;
  effectiveAt: Date;
  /** Licences assigned when the API read the subscription: the checklist's starting point (P6). */
  licensesAssigned?: number;
}

/**
 * Starts the cancellation workflow and waits for its eligibility decision (P11). A second request
 * for a subscription whose cancellation is in progress reaches the running workflow (conflict policy
 * USE_EXISTING), whose validator refuses it naming the running cancellation, so nothing starts; a retry
 * of the same request carries the same update id and gets the first attempt's outcome.
 */
export async function submitCancellation(
  gw: WorkflowGateway,
  request: CancellationRequest,
  ctx: SubmitContext,
): Promise<SubmitOutcome> {
  const workflowId = cancellationWorkflowId(request.subscriptionId, ctx.generation);
  const requester = request.supportAgentId
    ? `${request.requester.email} (via support agent ${request.supportAgentId})`
    : request.requester.email;
  const start = new WithStartWorkflowOperation<typeof cancellationWorkflow>('cancellationWorkflow', {
    workflowId,
    taskQueue: gw.taskQueue,
    args: [request],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    staticSummary: `Cancel ${ctx.productName} (${request.subscriptionId}) of ${request.accountId}`,
    staticDetails: [
      `**Product:** ${ctx.productName} (\`${request.subscriptionId}\`, family \`${ctx.productFamily}\`)`,
      `**Account:** \`${request.accountId}\``,
      `**Requested by:** ${requester} on the ${request.channel} channel`,
      `**Effective date (P2):** ${ctx.effectiveAt.toISOString()}`,
      `**Cancellation id:** \`${request.cancellationId}\``,
    ].join('\n'),
    typedSearchAttributes: new TypedSearchAttributes([
      { key: sa.AccountId, value: request.accountId },
      { key: sa.SubscriptionId, value: request.subscriptionId },
      { key: sa.ProductFamily, value: ctx.productFamily },
      { key: sa.CancellationChannel, value: request.channel },
      // What an accepted cancellation starts with, given here for free (a search attribute at start is not
      // a billable action, an upsert is): the workflow upserts only what its decision changes (a refusal).
      { key: sa.CancellationStage, value: 'awaiting_prerequisites' },
      { key: sa.EffectiveAt, value: ctx.effectiveAt },
      ...(ctx.licensesAssigned === undefined
        ? []
        : [
            {
              key: sa.PrerequisitesOpen,
              value: ctx.licensesAssigned > 0 ? ['licenses', 'data_backup'] : ['data_backup'],
            },
          ]),
    ]),
  });
  try {
    return await bounded(gw, () =>
      gw.client.workflow.executeUpdateWithStart(submitUpdate, {
        startWorkflowOperation: start,
        args: [{ cancellationId: request.cancellationId }],
        ...(ctx.updateId ? { updateId: ctx.updateId } : {}),
      }),
    );
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      return { accepted: false, conflict: { workflowId, cancellationId: null } };
    }
    const running = inProgressCancellationId(err);
    if (running === undefined) throw err;
    return { accepted: false, conflict: { workflowId, cancellationId: running } };
  }
}

/**
 * The running cancellation's id when the workflow refused the update as in progress (its validator puts it
 * in the failure's details; null when the refusal came from the scheduling step); undefined for any other error.
 */
function inProgressCancellationId(err: unknown): string | null | undefined {
  if (!(err instanceof WorkflowUpdateFailedError)) return undefined;
  const cause = err.cause;
  if (!(cause instanceof ApplicationFailure) || cause.type !== ErrorCode.cancellationInProgress) return undefined;
  const [id] = cause.details ?? [];
  return typeof id === 'string' ? id : null;
}

/**
 * P6: has the running cancellation re-count the licences and answers once it has (API.md: unassign-all
 * answers after). Null when the workflow has ended or no longer takes it (deactivating or closed).
 */
export async function recountLicenses(
  gw: WorkflowGateway,
  workflowId: string,
  updateId?: string,
): Promise<CancellationView | null> {
  try {
    return await bounded(gw, () =>
      gw.client.workflow
        .getHandle(workflowId)
        .executeUpdate(recountLicensesUpdate, { args: [{ recorded: true }], ...(updateId ? { updateId } : {}) }),
    );
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type === ErrorCode.cancellationClosed) return null;
    throw err;
  }
}

export function confirmDataBackup(
  gw: WorkflowGateway,
  workflowId: string,
  input: { location: string; actor: string },
  updateId?: string,
): Promise<CancellationView> {
  return bounded(gw, () =>
    gw.client.workflow
      .getHandle(workflowId)
      .executeUpdate(confirmDataBackupUpdate, { args: [input], ...(updateId ? { updateId } : {}) }),
  );
}

export function withdrawCancellation(
  gw: WorkflowGateway,
  workflowId: string,
  input: { actor: string; requestId?: string },
): Promise<CancellationView> {
  return bounded(gw, () =>
    gw.client.workflow
      .getHandle(workflowId)
      .executeUpdate(withdrawUpdate, { args: [input], ...(input.requestId ? { updateId: input.requestId } : {}) }),
  );
}

export function changeContractEnd(
  gw: WorkflowGateway,
  workflowId: string,
  input: { contractEnd: string; actor: string },
): Promise<CancellationView> {
  return bounded(gw, () =>
    gw.client.workflow.getHandle(workflowId).executeUpdate(changeContractEndUpdate, { args: [input] }),
  );
}

/**
 * `POST /v1/webhook-deliveries/{id}/retry`: the delivery again, by a workflow of its own on the outbound task
 * queue (workflows/outbox.ts). One per attempt count: a second request before it ran is the same redelivery.
 */
export async function startWebhookRedelivery(gw: WorkflowGateway, deliveryId: string, attempts: number): Promise<void> {
  try {
    await bounded(gw, () =>
      gw.client.workflow.start<typeof webhookRedeliveryWorkflow>('webhookRedeliveryWorkflow', {
        workflowId: `webhook-redelivery-${deliveryId}-${attempts}`,
        taskQueue: outboundTaskQueueOf(gw.taskQueue),
        args: [{ deliveryId }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      }),
    );
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
