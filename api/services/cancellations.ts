import { randomBytes } from 'node:crypto';
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
import type { CancellationChannel, CancellationStage, ReasonCode } from '../../domain/types';
import { cancellationViewFromRow, nextGeneration } from '../../db/cancellations';
import {
  findCancellation,
  findCancellationByWorkflowId,
  findOpenCancellation,
  listCancellations as listRows,
} from '../../db/cancellation-reads';
import type { Cancellation } from '../../db/generated/sqlite/client';
import type { Page } from '../../db/pagination';
import type { SubscriptionRecord } from '../../db/subscriptions';
import { principalRef, type Principal, type UserPrincipal } from '../auth';
import { ApiError, notFound, refusedError } from '../errors';
import type { CreateCancellationBody, ListCancellationsQuery } from '../schemas';
import { confirmDataBackup, queryCancellation, submitCancellation, withdrawCancellation } from '../workflow-client';
import { cancellationFor, subscriptionFor } from './access';
import type { Services } from './context';
import { termsOf } from './subscriptions';

/** `can_` and 24 hex digits (96 random bits): unguessable, like every id the API hands out. */
export const newCancellationId = (): string => `can_${randomBytes(12).toString('hex')}`;

export type Decision =
  | { kind: 'accepted'; cancellation: CancellationView }
  | { kind: 'refused'; refusals: Refusal[] }
  | { kind: 'in_progress'; cancellationId: string | null };

export interface Submission {
  channel: CancellationChannel;
  requester: { userId: string; email: string };
  supportAgentId: string | null;
  reason: { code: ReasonCode; comment?: string } | null;
}

/**
 * Starts the subscription's cancellation workflow and waits for its decision (P11: decided before
 * the answer). The workflow id names the subscription and its generation, so a second request while
 * one is in progress collides instead of starting anything.
 */
export async function submitFor(
  services: Services,
  sub: SubscriptionRecord,
  submission: Submission,
): Promise<Decision> {
  const generation = await nextGeneration(services.db, sub.id);
  const cancellationId = newCancellationId();
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
      productName: sub.productName,
      productFamily: sub.productFamily,
      effectiveAt: effectiveDate(termsOf(sub)), // P2
    },
  ).catch((err: unknown) => {
    // The workflow found the subscription already held by another cancellation (a race the workflow id
    // cannot see, e.g. across generations): the same answer as a collision on the id.
    if (isFailureOfType(err, ErrorCode.cancellationInProgress)) return null;
    throw err;
  });
  if (outcome === null) {
    return { kind: 'in_progress', cancellationId: (await findOpenCancellation(services.db, sub.id))?.id ?? null };
  }
  if (outcome.accepted) return { kind: 'accepted', cancellation: outcome.cancellation };
  if ('refusals' in outcome) return { kind: 'refused', refusals: outcome.refusals };
  // The running workflow had not answered its query yet: its row, once written, has the id.
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
    requester: { userId: principal.userId, email: principal.email },
    supportAgentId: null,
    reason: body.reason ?? null,
  });
  if (decision.kind === 'refused') throw refusedError(decision.refusals);
  if (decision.kind === 'in_progress') throw inProgressError(decision.cancellationId);
  return decision.cancellation;
}

/**
 * P16: the workflow's live view while it runs, the database row once it has closed. If Temporal
 * cannot be reached the row still answers: it follows every stage change, at most a moment late.
 */
export async function getCancellation(services: Services, principal: Principal, id: string): Promise<CancellationView> {
  const row = await cancellationFor(services, principal, id);
  return liveView(services, row);
}

async function liveView(services: Services, row: Cancellation): Promise<CancellationView> {
  if ((ClosedStages as readonly string[]).includes(row.stage)) return cancellationViewFromRow(row);
  // An open row means a running workflow: ask it directly (one round trip, no describe first).
  try {
    const live = await queryCancellation(services.workflows, row.workflowId);
    if (live) return live;
  } catch (err) {
    services.logger.warn({ err, workflowId: row.workflowId }, 'live view unavailable; answering from the database');
  }
  // Re-read: the workflow may have closed between the first read and the query.
  return cancellationViewFromRow((await findCancellation(services.db, row.id)) ?? row);
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
  principal: UserPrincipal,
  id: string,
  location: string,
): Promise<CancellationView> {
  const row = await cancellationFor(services, principal, id);
  const closedConflict = (stage: string) =>
    new ApiError(
      'conflict',
      ErrorCode.cancellationClosed,
      `This cancellation is ${stage}: its checklist can no longer change.`,
      {
        details: { stage },
      },
    );
  if (isClosed(row.stage) || row.stage === 'deactivating') throw closedConflict(row.stage);
  services.logger.info({ workflowId: row.workflowId, cancellationId: row.id }, 'sending confirmDataBackup');
  try {
    return await confirmDataBackup(services.workflows, row.workflowId, { location, actor: principalRef(principal) });
  } catch (err) {
    // The workflow closed, or started deactivating, between our read and the update.
    if (err instanceof WorkflowNotFoundError || isFailureOfType(err, ErrorCode.cancellationClosed)) {
      throw closedConflict((await findCancellation(services.db, row.id))?.stage ?? 'closed');
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
  if (isClosed(row.stage) || row.stage === 'deactivating') throw withdrawConflict(row.stage);
  services.logger.info({ workflowId: row.workflowId, cancellationId: row.id }, 'sending withdraw');
  try {
    return await withdrawCancellation(services.workflows, row.workflowId, { actor: principalRef(principal) });
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    throw withdrawConflict((await findCancellation(services.db, row.id))?.stage ?? 'closed');
  }
}
