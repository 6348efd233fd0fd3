/**
 * The follow-ups of a scheduled cancellation that change its terms: a rescheduled contract end (P2, P14)
 * and a withdrawal (auto-renew back on).
 */
import type { CancellationView } from '../domain/cancellation';
import type { Charges } from '../domain/types';
import type { Store } from './store';

export interface RescheduleInput {
  cancellationId: string;
  eventKey: string;
  actor: string;
  at: string;
  contractEnd: string;
  effectiveAt: string;
  charges: Charges;
}

export function createFollowUpActivities({ onceFor, queueNotification }: Store) {
  return {
    /** P2: a changed contract end moves the effective date and the remaining charges (P14). */
    async reschedule(input: RescheduleInput): Promise<CancellationView> {
      const event = {
        key: input.eventKey,
        type: 'cancellation_rescheduled',
        actor: input.actor,
        at: input.at,
        data: (view: CancellationView) => ({
          from: view.effectiveAt,
          to: input.effectiveAt,
          remainingCents: input.charges.remainingCents,
        }),
      };
      return onceFor(input.cancellationId, event, async (t, view) => {
        // A step cancelled by a withdrawal may still run: a closed cancellation keeps its terms.
        if (view.stage !== 'awaiting_prerequisites' && view.stage !== 'scheduled') return;
        await t.subscription.update({
          where: { id: view.subscriptionId },
          data: { contractEnd: new Date(input.contractEnd) },
        });
        return t.cancellation.update({
          where: { id: input.cancellationId },
          data: {
            effectiveAt: new Date(input.effectiveAt),
            currency: input.charges.currency,
            remainingCents: input.charges.remainingCents,
            refundCents: input.charges.refundCents,
            chargeLines: JSON.stringify(input.charges.lines),
          },
        });
      });
    },

    /** Withdrawal: auto-renew back on, the subscription active again, `cancellation_withdrawn` queued. */
    async withdraw(input: {
      cancellationId: string;
      actor: string;
      at: string;
      /** The API request that asked for it, so that its retry converges (API.md). */
      requestId?: string;
    }): Promise<CancellationView> {
      const event = {
        key: 'withdrawn',
        type: 'cancellation_withdrawn',
        actor: input.actor,
        at: input.at,
        data: () => ({ autoRenew: true, ...(input.requestId ? { requestId: input.requestId } : {}) }),
      };
      return onceFor(input.cancellationId, event, async (t, view) => {
        await t.subscription.updateMany({
          where: { id: view.subscriptionId, status: 'cancellation_scheduled' },
          data: { autoRenew: true, status: 'active' },
        });
        await queueNotification(t, {
          key: `${input.cancellationId}:cancellation_withdrawn`,
          accountId: view.accountId,
          cancellationId: input.cancellationId,
          template: 'cancellation_withdrawn',
          recipient: view.requestedBy.email,
          payload: { cancellationId: input.cancellationId, subscriptionId: view.subscriptionId },
          at: input.at,
        });
        return t.cancellation.update({
          where: { id: input.cancellationId },
          data: { stage: 'withdrawn', withdrawnAt: new Date(input.at) },
        });
      });
    },
  };
}
