/**
 * P3: deactivation on the effective date, and the `failed` stage for a cancellation whose deactivation
 * can never succeed (a data error, not an outage: outages are retried for as long as they last).
 */
import { updateCancellation } from '../db/cancellations';
import { markSubscriptionCancelled, unassignAllLicenses } from '../db/subscriptions';
import type { CancellationView } from '../domain/cancellation';
import { failingForGoodOnDataErrors, SYSTEM, type Store } from './store';

export function createDeactivationActivities({ onceFor, queueNotification }: Store) {
  return {
    /**
     * P3: on the effective date the product is deactivated, whatever the checklist says: status
     * `cancelled`, licences released, an unconfirmed backup noted as a warning. Deactivating twice
     * changes nothing.
     */
    async deactivate(input: { cancellationId: string; at: string }): Promise<CancellationView> {
      const event = {
        key: 'completed',
        type: 'cancellation_completed',
        actor: SYSTEM,
        at: input.at,
        data: (view: CancellationView) => ({ dataBackedUp: view.checklist.dataBackedUp }),
      };
      return failingForGoodOnDataErrors('deactivate', () =>
        onceFor(input.cancellationId, event, async (t, view) => {
          const at = new Date(input.at);
          const released = await unassignAllLicenses(t, view.subscriptionId);
          await markSubscriptionCancelled(t, view.subscriptionId, at);
          const warnings = view.checklist.dataBackedUp
            ? view.warnings
            : [...new Set([...view.warnings, 'data_backup_unconfirmed'])];
          // onceFor runs this the first time only, in the transaction that wrote the step's event: its
          // notification cannot exist yet (`unseen`).
          await queueNotification(
            t,
            {
              key: `${input.cancellationId}:cancellation_completed`,
              accountId: view.accountId,
              cancellationId: input.cancellationId,
              template: 'cancellation_completed',
              recipient: view.requestedBy.email,
              payload: {
                cancellationId: input.cancellationId,
                subscriptionId: view.subscriptionId,
                licensesReleased: released,
                warnings,
              },
              at: input.at,
            },
            { unseen: true },
          );
          return updateCancellation(t, input.cancellationId, {
            stage: 'completed',
            completedAt: at,
            licensesUnassigned: true,
            warnings: JSON.stringify(warnings),
          });
        }),
      );
    },

    /**
     * Marks a cancellation `failed` when deactivation can never be carried out: the subscription is active
     * again with auto-renew still off (API.md), operators are alerted by the stage and the worker's log.
     */
    async markFailed(input: { cancellationId: string; at: string; message: string }): Promise<CancellationView> {
      const event = {
        key: 'failed',
        type: 'cancellation_failed',
        actor: SYSTEM,
        at: input.at,
        data: () => ({ message: input.message }),
      };
      return onceFor(input.cancellationId, event, async (t, view) => {
        // API.md: the subscription is active again with auto-renew still off, and a new cancellation may
        // be requested. Only a subscription this cancellation still holds is released.
        await t.subscription.updateMany({
          where: { id: view.subscriptionId, status: 'cancellation_scheduled' },
          data: { status: 'active', autoRenew: false },
        });
        return t.cancellation.update({ where: { id: input.cancellationId }, data: { stage: 'failed' } });
      });
    },
  };
}
