/**
 * The decision before the API's answer (P4, P8–P12, P1): read what eligibility is decided from, then
 * either record a refusal or schedule the cancellation, each in one transaction keyed by the request.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { accountBalanceCents, userRoles } from '../db/accounts';
import { findCancellation } from '../db/cancellation-reads';
import { cancellationViewFromRow, findCancellationsByIdOrWorkflowId, insertCancellation } from '../db/cancellations';
import { claimForCancellation, findSubscription } from '../db/subscriptions';
import type { CancellationRequest, CancellationView } from '../domain/cancellation';
import { ErrorCode, type Refusal } from '../domain/errors';
import type { Billing, CancellationStage, Charges, PurchaseChannel, Role, SubscriptionStatus } from '../domain/types';
import type { Store } from './store';

/** What eligibility (P4, P8–P12) and the effective date (P2) are decided from; dates as ISO strings. */
export interface EligibilitySnapshot {
  subscription: {
    id: string;
    accountId: string;
    productName: string;
    productFamily: string;
    purchaseChannel: PurchaseChannel;
    billing: Billing;
    currentPeriodStart: string;
    currentPeriodEnd: string;
    contractEnd: string | null;
    monthlyPriceCents: number;
    currency: string;
    onlineCancellable: boolean;
    status: SubscriptionStatus;
  };
  requesterRoles: Role[];
  balanceCents: number;
  licensesAssigned: number;
  /** Asked for with the request's cancellation id: its row when the decision was already committed. */
  ownCancellation?: CancellationView | null;
}

export interface ScheduleInput {
  request: CancellationRequest;
  workflowId: string;
  requestedAt: string;
  effectiveAt: string;
  charges: Charges;
  balanceClear: boolean;
  licensesUnassigned: boolean;
}

export function createDecisionActivities({ db, tx, appendEvent, queueNotification, afterDecisionCommit }: Store) {
  return {
    /**
     * Read-only: the subscription, the requester's roles, the balance (P4) and licence assignments (P6),
     * and the request's own cancellation if a decision for it was already committed (a replayed decision:
     * the worker died after the commit, before its workflow task completed).
     */
    async loadEligibility(input: {
      subscriptionId: string;
      requesterUserId: string;
      /** Revision 3: the request's own cancellation id, to recognise a decision already committed. */
      cancellationId?: string;
    }): Promise<EligibilitySnapshot> {
      const sub = await findSubscription(db, input.subscriptionId);
      if (!sub)
        throw ApplicationFailure.create({
          type: ErrorCode.notFound,
          message: `subscription ${input.subscriptionId} does not exist`,
          nonRetryable: true,
        });
      const [requesterRoles, balanceCents, own] = await Promise.all([
        userRoles(db, input.requesterUserId),
        accountBalanceCents(db, sub.accountId),
        input.cancellationId ? findCancellation(db, input.cancellationId) : null,
      ]);
      return {
        subscription: {
          id: sub.id,
          accountId: sub.accountId,
          productName: sub.productName,
          productFamily: sub.productFamily,
          purchaseChannel: sub.purchaseChannel as PurchaseChannel,
          billing: sub.billing as Billing,
          currentPeriodStart: sub.currentPeriodStart.toISOString(),
          currentPeriodEnd: sub.currentPeriodEnd.toISOString(),
          contractEnd: sub.contractEnd?.toISOString() ?? null,
          monthlyPriceCents: sub.monthlyPriceCents,
          currency: sub.currency,
          onlineCancellable: sub.onlineCancellable,
          status: sub.status as SubscriptionStatus,
        },
        requesterRoles,
        balanceCents,
        licensesAssigned: sub.licenseCounts.assigned,
        ...(input.cancellationId ? { ownCancellation: own ? cancellationViewFromRow(own) : null } : {}),
      };
    },

    /**
     * P1: auto-renew off and the cancellation scheduled, in one transaction with its audit event and
     * the `cancellation_scheduled` notification. A retry finds the row and returns it unchanged.
     */
    async scheduleCancellation(input: ScheduleInput): Promise<CancellationView> {
      const { request } = input;
      const view = await tx(async (t) => {
        // One look-up for both: this request's own row (a retry), and any other holding the workflow id.
        const found = await findCancellationsByIdOrWorkflowId(t, request.cancellationId, input.workflowId);
        const existing = found.find((r) => r.id === request.cancellationId);
        if (existing) return cancellationViewFromRow(existing);
        // A request computed with a stale generation reuses the id of a cancellation that has just
        // closed: refuse it at once rather than retrying into the unique workflowId.
        if (found.length)
          throw ApplicationFailure.create({
            type: ErrorCode.cancellationInProgress,
            message: `workflow id ${input.workflowId} already belongs to an earlier cancellation; retry the request`,
            nonRetryable: true,
          });
        if (!(await claimForCancellation(t, request.subscriptionId))) {
          // An earlier attempt of this very decision committed meanwhile (it outlived its timeout): it is ours.
          const committed = await findCancellation(t, request.cancellationId);
          if (committed) return cancellationViewFromRow(committed);
          throw ApplicationFailure.create({
            type: ErrorCode.cancellationInProgress,
            message: `subscription ${request.subscriptionId} is no longer active`,
            nonRetryable: true,
          });
        }
        // The data backup (P7) is never confirmed at this point, so every cancellation starts here.
        const stage: CancellationStage = 'awaiting_prerequisites';
        const row = await insertCancellation(t, {
          id: request.cancellationId,
          workflowId: input.workflowId,
          subscriptionId: request.subscriptionId,
          accountId: request.accountId,
          stage,
          channel: request.channel,
          requestedByUserId: request.requester.userId,
          requestedByEmail: request.requester.email,
          supportAgentId: request.supportAgentId,
          reasonCode: request.reason?.code ?? null,
          reasonComment: request.reason?.comment ?? null,
          requestedAt: new Date(input.requestedAt),
          effectiveAt: new Date(input.effectiveAt),
          balanceClear: input.balanceClear,
          licensesUnassigned: input.licensesUnassigned,
          currency: input.charges.currency,
          remainingCents: input.charges.remainingCents,
          refundCents: input.charges.refundCents,
          chargeLines: JSON.stringify(input.charges.lines),
        });
        const actor = request.supportAgentId ? `support:${request.supportAgentId}` : `user:${request.requester.userId}`;
        // The row was created just above, so nothing keyed by its id exists yet: no look-ups (`unseen`).
        await appendEvent(
          t,
          {
            key: `${request.cancellationId}:scheduled`,
            cancellationId: request.cancellationId,
            subscriptionId: request.subscriptionId,
            accountId: request.accountId,
            actor,
            type: 'cancellation_scheduled',
            data: { effectiveAt: input.effectiveAt, remainingCents: input.charges.remainingCents, autoRenew: false },
            at: input.requestedAt,
          },
          { unseen: true },
        );
        await queueNotification(
          t,
          {
            key: `${request.cancellationId}:cancellation_scheduled`,
            accountId: request.accountId,
            cancellationId: request.cancellationId,
            template: 'cancellation_scheduled',
            recipient: request.requester.email,
            locale: request.requester.locale,
            payload: {
              cancellationId: request.cancellationId,
              subscriptionId: request.subscriptionId,
              effectiveAt: input.effectiveAt,
              charges: input.charges,
            },
            at: input.requestedAt,
          },
          { unseen: true },
        );
        return cancellationViewFromRow(row);
      });
      await afterDecisionCommit();
      return view;
    },

    /** A refusal leaves an audit event and a `cancellation_refused` notification (P11). */
    async recordRefusal(input: { request: CancellationRequest; refusals: Refusal[]; at: string }): Promise<void> {
      const { request } = input;
      await tx(async (t) => {
        const first = await appendEvent(
          t,
          {
            key: `${request.cancellationId}:refused`,
            cancellationId: null,
            subscriptionId: request.subscriptionId,
            accountId: request.accountId,
            actor: request.supportAgentId ? `support:${request.supportAgentId}` : `user:${request.requester.userId}`,
            type: 'cancellation_refused',
            data: { requestId: request.cancellationId, channel: request.channel, refusals: input.refusals },
            at: input.at,
          },
          {
            // API.md v1.2: a refusal has no Cancellation; its event's object is the refusal's own shape.
            object: {
              subscriptionId: request.subscriptionId,
              accountId: request.accountId,
              channel: request.channel,
              requestedBy: { userId: request.requester.userId, email: request.requester.email },
              refusals: input.refusals,
              requestedAt: input.at,
            },
          },
        );
        if (!first) return;
        await queueNotification(t, {
          key: `${request.cancellationId}:cancellation_refused`,
          accountId: request.accountId,
          cancellationId: null,
          template: 'cancellation_refused',
          recipient: request.requester.email,
          locale: request.requester.locale,
          payload: { subscriptionId: request.subscriptionId, refusals: input.refusals },
          at: input.at,
        });
      });
    },
  };
}
