/**
 * Activities that only cancellations started before workflow revision 3 still schedule (their histories
 * name them): replaced by the merged steps of activities/checklist.ts. Kept unchanged until none runs.
 */
import { countAssignedLicenses } from '../db/subscriptions';
import type { CancellationStage } from '../domain/types';
import type { CancellationView } from '../domain/cancellation';
import { SYSTEM, type Store } from './store';

export interface ProgressInput {
  cancellationId: string;
  /** Idempotency key of this step's audit event, unique per cancellation. */
  eventKey: string;
  eventType: string;
  actor: string;
  at: string;
  data?: Record<string, unknown>;
  stage?: CancellationStage;
  licensesUnassigned?: boolean;
  dataBackupLocation?: string;
}

export interface NotifyInput {
  cancellationId: string;
  key: string;
  template: 'cancellation_reminder';
  at: string;
  data: Record<string, unknown>;
}

export function createLegacyActivities({ db, onceFor, queueNotification }: Store) {
  return {
    /** P6: how many of the subscription's licences are still assigned. */
    async countAssignedLicenses(input: { subscriptionId: string }): Promise<number> {
      return countAssignedLicenses(db, input.subscriptionId);
    },

    /** A checklist item done or a stage change: the row follows it, with its audit event, in one transaction. */
    async recordProgress(input: ProgressInput): Promise<CancellationView> {
      const event = {
        key: input.eventKey,
        type: input.eventType,
        actor: input.actor,
        at: input.at,
        data: () => input.data,
      };
      return onceFor(input.cancellationId, event, (t) =>
        t.cancellation.update({
          where: { id: input.cancellationId },
          data: {
            ...(input.stage ? { stage: input.stage } : {}),
            ...(input.licensesUnassigned !== undefined ? { licensesUnassigned: input.licensesUnassigned } : {}),
            ...(input.dataBackupLocation !== undefined
              ? { dataBackedUp: true, dataBackupLocation: input.dataBackupLocation }
              : {}),
          },
        }),
      );
    },

    /** `cancellation_reminder`, 7 days and 1 day before the effective date while the checklist is open. */
    async queueReminder(input: NotifyInput): Promise<void> {
      const event = { key: input.key, type: input.template, actor: SYSTEM, at: input.at, data: () => input.data };
      await onceFor(input.cancellationId, event, (t, view) =>
        queueNotification(t, {
          key: `${input.cancellationId}:${input.key}`,
          accountId: view.accountId,
          cancellationId: input.cancellationId,
          template: input.template,
          recipient: view.requestedBy.email,
          payload: {
            cancellationId: input.cancellationId,
            effectiveAt: view.effectiveAt,
            checklist: view.checklist,
            ...input.data,
          },
          at: input.at,
        }),
      );
    },
  };
}
