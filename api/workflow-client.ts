/**
 * The API's only door into the cancellation workflows: starting one (Update-with-Start, so the
 * decision is known before the HTTP answer) and messaging or querying a running one. Routes call
 * these functions; they never build workflow ids or options themselves.
 */
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { CancellationRequest, CancellationView, SubmitResult } from '../domain/cancellation';
import { cancellationWorkflowId } from '../domain/cancellation';
import type { cancellationWorkflow } from '../workflows/cancellation';
import {
  cancellationQuery,
  changeContractEndUpdate,
  confirmDataBackupUpdate,
  licensesChangedSignal,
  submitUpdate,
  withdrawUpdate,
} from '../workflows/messages';
import * as sa from '../workflows/search-attributes';

export interface WorkflowGateway {
  client: Client;
  taskQueue: string;
}

export type SubmitOutcome =
  SubmitResult | { accepted: false; conflict: { workflowId: string; cancellationId: string | null } };

export interface SubmitContext {
  /** 1 + the number of closed cancellations of the subscription (see cancellationWorkflowId). */
  generation: number;
  productName: string;
  productFamily: string;
  effectiveAt: Date;
}

/**
 * Starts the cancellation workflow and waits for its eligibility decision (P11). A second request
 * for a subscription whose cancellation is in progress collides on the workflow id and gets the
 * running cancellation's id back instead of starting anything.
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
    workflowIdConflictPolicy: 'FAIL',
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
      { key: sa.CancellationStage, value: 'evaluating' },
      { key: sa.EffectiveAt, value: ctx.effectiveAt },
    ]),
  });
  try {
    return await gw.client.workflow.executeUpdateWithStart(submitUpdate, { startWorkflowOperation: start });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const running = await queryCancellation(gw, workflowId).catch(() => null);
    return { accepted: false, conflict: { workflowId, cancellationId: running?.id ?? null } };
  }
}

/** The live view of a running (or recently closed) workflow; null when it has none yet. */
export async function queryCancellation(gw: WorkflowGateway, workflowId: string): Promise<CancellationView | null> {
  return gw.client.workflow.getHandle(workflowId).query(cancellationQuery);
}

/** P6: wakes the workflow so it re-checks licence assignments at once. Ignored if it has ended. */
export async function notifyLicensesChanged(gw: WorkflowGateway, workflowId: string): Promise<void> {
  try {
    await gw.client.workflow.getHandle(workflowId).signal(licensesChangedSignal);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
}

export function confirmDataBackup(
  gw: WorkflowGateway,
  workflowId: string,
  input: { location: string; actor: string },
): Promise<CancellationView> {
  return gw.client.workflow.getHandle(workflowId).executeUpdate(confirmDataBackupUpdate, { args: [input] });
}

export function withdrawCancellation(
  gw: WorkflowGateway,
  workflowId: string,
  input: { actor: string },
): Promise<CancellationView> {
  return gw.client.workflow.getHandle(workflowId).executeUpdate(withdrawUpdate, { args: [input] });
}

export function changeContractEnd(
  gw: WorkflowGateway,
  workflowId: string,
  input: { contractEnd: string; actor: string },
): Promise<CancellationView> {
  return gw.client.workflow.getHandle(workflowId).executeUpdate(changeContractEndUpdate, { args: [input] });
}
