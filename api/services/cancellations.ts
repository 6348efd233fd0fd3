import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import {
  cancellationWorkflowId,
  ClosedStages,
  effectiveDate,
  ErrorCode,
  type CancellationView,
  type Refusal,
} from '../../domain';
import type { CancellationRequest } from '../../domain/cancellation';
import type { CancellationChannel, CancellationStage, ReasonCode } from '../../domain/types';
import { cancellationViewFromRow, nextGeneration } from '../../db/cancellations';
import {
  findCancellation,
  findCancellationByWorkflowId,
  findOpenCancellation,
  listCancellations as listRows,
  withdrawnByRequest,
} from '../../db/cancellation-reads';
import type { Page } from '../../db/pagination';
import type { SubscriptionRecord } from '../../db/subscriptions';
import { principalRef, type Principal, type UserPrincipal } from '../auth';
import { ApiError, notFound, refusedError } from '../errors';
import type { CreateCancellationBody, ListCancellationsQuery } from '../schemas';
import { confirmDataBackup, submitCancellation, withdrawCancellation } from '../workflow-client';
import { assertAccountAccess, assertMayFollowUp, cancellationFor, subscriptionFor, subscriptionOf } from './access';
import type { Services } from './context';
import { cancellationIdFor, updateIdFor } from './request-ids';
import { termsOf } from './subscriptions';

export type Decision =
  | { kind: 'accepted'; cancellation: CancellationView }
  | { kind: 'refused'; refusals: Refusal[] }
  | { kind: 'in_progress'; cancellationId: string | null };

export interface Submission {
  channel: CancellationChannel;
  requester: CancellationRequest['requester'];
  supportAgentId: string | null;
  reason: { code: ReasonCode; comment?: string } | null;
}

/**
 * Starts the subscription's cancellation workflow and waits for its decision (P11: decided before
 * the answer). The workflow id names the subscription and its generation, so a second request while
 * one is in progress collides instead of starting anything. With an Idempotency-Key, the cancellation
 * id and the update id are derived from it: a retry whose first attempt was accepted (even if it was
 * answered 503) finds that cancellation and answers it as accepted, never as a conflict with itself.
 */
export async function submitFor(
  services: Services,
  sub: SubscriptionRecord,
  submission: Submission,
): Promise<Decision> {
  const cancellationId = cancellationIdFor(services.requestKey, sub.id);
  const own = async (): Promise<Decision | null> => {
    if (!services.requestKey) return null;
    const row = await findCancellation(services.db, cancellationId);
    return row ? { kind: 'accepted', cancellation: cancellationViewFromRow(row) } : null;
  };
  const earlier = await own();
  if (earlier) return earlier;
  const generation = await nextGeneration(services.db, sub.id);
  // The request's log line (reqId) names the workflow, so API and worker logs join on workflowId.
  services.logger.info(
    { workflowId: cancellationWorkflowId(sub.id, generation), cancellationId, subscriptionId: sub.id },
    'submitting the cancellation to its workflow',
  );
  const outcome = await submitCancellation(
    services.workflows,
    {
      cancellationId,
      subscriptionId: sub.id,
      accountId: sub.accountId,
      channel: submission.channel,
      requester: submission.requester,
      supportAgentId: submission.supportAgentId,
      reason: submission.reason,
    },
    {
      generation,
      updateId: updateIdFor(services.requestKey, `submit:${sub.id}`),
      productName: sub.productName,
      productFamily: sub.productFamily,
      effectiveAt: effectiveDate(termsOf(sub)), // P2
      licensesAssigned: sub.licenseCounts.assigned,
    },
  ).catch((err: unknown) => {
    // The workflow found the subscription already held by another cancellation (a race the workflow id
    // cannot see, e.g. across generations): the same answer as a collision on the id.
    if (isFailureOfType(err, ErrorCode.cancellationInProgress)) return null;
    throw err;
  });
  if (outcome === null) {
    return (
      (await own()) ?? {
        kind: 'in_progress',
        cancellationId: (await findOpenCancellation(services.db, sub.id))?.id ?? null,
      }
    );
  }
  if (outcome.accepted) return { kind: 'accepted', cancellation: outcome.cancellation };
  if ('refusals' in outcome) return { kind: 'refused', refusals: outcome.refusals };
  // Our own cancellation, accepted by an earlier attempt whose workflow has moved on since.
  if (outcome.conflict.cancellationId === cancellationId)
    return (await own()) ?? { kind: 'in_progress', cancellationId };
  // The running workflow had not written its row yet: once written, it has the id.
  const runningId =
    outcome.conflict.cancellationId ??
    (await findCancellationByWorkflowId(services.db, outcome.conflict.workflowId))?.id ??
    (await findOpenCancellation(services.db, sub.id))?.id ??
    null;
  return { kind: 'in_progress', cancellationId: runningId };
}

const isFailureOfType = (err: unknown, type: string): boolean =>
  err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === type;

export const inProgressError = (cancellationId: string | null): ApiError =>
  new ApiError(
    'conflict',
    ErrorCode.cancellationInProgress,
    'This subscription already has a cancellation in progress.',
    { details: { cancellationId } },
  );

export async function createCancellation(
  services: Services,
  principal: UserPrincipal,
  body: z.output<typeof CreateCancellationBody>,
): Promise<CancellationView> {
  const sub = await subscriptionFor(services, principal, body.subscriptionId, 'subscriptionId');
  const decision = await submitFor(services, sub, {
    channel: 'online', // P11
    requester: { userId: principal.userId, email: principal.email, locale: principal.locale },
    supportAgentId: null,
    reason: body.reason ?? null,
  });
  if (decision.kind === 'refused') throw refusedError(decision.refusals);
  if (decision.kind === 'in_progress') throw inProgressError(decision.cancellationId);
  return decision.cancellation;
}

/**
 * P16: the Cancellation from the database, which the workflow's activities keep exact at every stage
 * change (stage, checklist, effective date, charges, warnings). A read needs no worker and costs no
 * Temporal action (a query is a billed action on Temporal Cloud); the workflow's `cancellation` query
 * stays for operators (`temporal workflow query`, the UI).
 */
export async function getCancellation(services: Services, principal: Principal, id: string): Promise<CancellationView> {
  return cancellationViewFromRow(await cancellationFor(services, principal, id));
}

export async function listCancellations(
  services: Services,
  principal: Principal,
  query: z.output<typeof ListCancellationsQuery>,
): Promise<Page<CancellationView>> {
  let accountId: string;
  if (principal.kind === 'user') {
    // A user lists their own account; naming another one is like naming a missing one.
    if (query.accountId !== undefined && query.accountId !== principal.accountId)
      throw notFound('account', query.accountId, 'accountId');
    accountId = principal.accountId;
  } else {
    if (query.accountId === undefined) {
      throw new ApiError(
        'invalid_request_error',
        'invalid_query',
        'accountId is required when a support agent lists cancellations',
        {
          param: 'accountId',
        },
      );
    }
    // An unknown account is a 404, as for every other route that names one.
    await assertAccountAccess(services, principal, query.accountId);
    accountId = query.accountId;
  }
  const page = await listRows(
    services.db,
    { accountId, subscriptionId: query.subscriptionId, stage: query.stage },
    { limit: query.limit, startingAfter: query.startingAfter },
  );
  // The rows are the list's source of truth: a list never waits on one query per running workflow.
  return { data: page.data.map(cancellationViewFromRow), hasMore: page.hasMore };
}

const isClosed = (stage: string): boolean => (ClosedStages as readonly string[]).includes(stage);

/**
 * P7: the customer confirms the backup; the workflow records it and may move on to `scheduled`.
 * Refused (409) once the cancellation is deactivating or closed: the checklist no longer matters.
 */
export async function confirmBackup(
  services: Services,
  principal: Principal,
  id: string,
  location: string,
): Promise<CancellationView> {
  const row = await cancellationFor(services, principal, id);
  assertMayFollowUp(principal, 'data_backup', await subscriptionOf(services, row));
  const closedConflict = (stage: string) =>
    new ApiError(
      'conflict',
      ErrorCode.cancellationClosed,
      `This cancellation is ${stage}: its checklist can no longer change.`,
      {
        details: { stage },
      },
    );
  // A retry whose first attempt was recorded converges on it, even once the cancellation has moved on.
  const confirmed = (r: typeof row) => r.dataBackedUp && r.dataBackupLocation === location;
  if ((isClosed(row.stage) || row.stage === 'deactivating') && !(services.requestKey && confirmed(row)))
    throw closedConflict(row.stage);
  if (isClosed(row.stage) || row.stage === 'deactivating') return cancellationViewFromRow(row);
  services.logger.info({ workflowId: row.workflowId, cancellationId: row.id }, 'sending confirmDataBackup');
  try {
    return await confirmDataBackup(
      services.workflows,
      row.workflowId,
      { location, actor: principalRef(principal) },
      updateIdFor(services.requestKey, 'data-backup'),
    );
  } catch (err) {
    // The workflow closed, or started deactivating, between our read and the update.
    if (err instanceof WorkflowNotFoundError || isFailureOfType(err, ErrorCode.cancellationClosed)) {
      const now = (await findCancellation(services.db, row.id)) ?? row;
      if (services.requestKey && confirmed(now)) return cancellationViewFromRow(now);
      throw closedConflict(now.stage);
    }
    throw err;
  }
}

const withdrawConflict = (stage: CancellationStage | string): ApiError =>
  new ApiError(
    'conflict',
    ErrorCode.withdrawNotAllowed,
    stage === 'withdrawn'
      ? 'This cancellation is already withdrawn.'
      : `This cancellation is ${stage}: it can only be withdrawn before deactivation starts.`,
    { details: { stage } },
  );

/**
 * Withdraws the cancellation: auto-renew back on, subscription active again. Refused (409) once
 * withdrawn or from `deactivating` on; the row answers the common case at once, and the workflow's
 * update validator stays the authority for a stage the row has not caught up with yet.
 */
export async function withdraw(services: Services, principal: Principal, id: string): Promise<CancellationView> {
  const row = await cancellationFor(services, principal, id);
  assertMayFollowUp(principal, 'withdraw', await subscriptionOf(services, row));
  const requestId = updateIdFor(services.requestKey, 'withdraw');
  // A retry of the request that withdrew it answers the withdrawal, not a conflict with itself.
  const ownWithdrawal = async (stage: string) =>
    stage === 'withdrawn' && requestId !== undefined && (await withdrawnByRequest(services.db, row.id, requestId));
  if (await ownWithdrawal(row.stage)) return cancellationViewFromRow(row);
  if (isClosed(row.stage) || row.stage === 'deactivating') throw withdrawConflict(row.stage);
  services.logger.info({ workflowId: row.workflowId, cancellationId: row.id }, 'sending withdraw');
  try {
    return await withdrawCancellation(services.workflows, row.workflowId, {
      actor: principalRef(principal),
      ...(requestId ? { requestId } : {}),
    });
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    const now = (await findCancellation(services.db, row.id)) ?? row;
    if (await ownWithdrawal(now.stage)) return cancellationViewFromRow(now);
    throw withdrawConflict(now.stage);
  }
}
