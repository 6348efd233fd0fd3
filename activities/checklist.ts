/**
 * The checklist (P6, P7) of workflow revision 3: each message or reminder is one activity, which records
 * what changed and, when that completes the checklist, the move to `scheduled`, in one transaction. (Before
 * revision 3 the licence count, its record, the backup and the stage change were one activity each.)
 */
import { cancellationViewFromRow } from '../db/cancellations';
import { countAssignedLicenses } from '../db/subscriptions';
import type { CancellationView } from '../domain/cancellation';
import type { DbTx } from '../db/client';
import { failingForGoodOnDataErrors, SYSTEM, type Store } from './store';

export interface ChecklistInput {
  cancellationId: string;
  at: string;
  /** P6: count the licences still assigned, and record them unassigned when none is. */
  recountLicenses?: { actor: string };
  /** P7: the backup confirmed at this location; `key` is unique per confirmation. */
  backup?: { location: string; actor: string; key: string };
}

export interface ReminderInput {
  cancellationId: string;
  /** Unique per reminder and effective date (`reminder:7d@…`). */
  key: string;
  at: string;
  before: '7d' | '1d';
}

export function createChecklistActivities({ tx, viewOf, appendEvent, queueNotification }: Store) {
  /** Applies one checklist change once (keyed by its audit event); returns whether the checklist moved. */
  async function apply(
    t: DbTx,
    view: CancellationView,
    event: { key: string; type: string; actor: string; at: string; data?: unknown },
    data: Record<string, unknown>,
  ): Promise<CancellationView> {
    const first = await appendEvent(t, {
      ...event,
      key: `${view.id}:${event.key}`,
      cancellationId: view.id,
      subscriptionId: view.subscriptionId,
      accountId: view.accountId,
    });
    if (!first) return view;
    return cancellationViewFromRow(await t.cancellation.update({ where: { id: view.id }, data }));
  }

  /** Licences (P6), then backup (P7), then `scheduled` if both are done, all in the caller's transaction. */
  async function progress(t: DbTx, input: ChecklistInput): Promise<CancellationView> {
    let view = await viewOf(t, input.cancellationId);
    if (view.stage !== 'awaiting_prerequisites' && view.stage !== 'scheduled') return view;
    if (input.recountLicenses && !view.checklist.licensesUnassigned) {
      if ((await countAssignedLicenses(t, view.subscriptionId)) === 0) {
        view = await apply(
          t,
          view,
          { key: 'licenses_unassigned', type: 'licenses_unassigned', actor: input.recountLicenses.actor, at: input.at },
          { licensesUnassigned: true },
        );
      }
    }
    const backup = input.backup;
    if (backup && (!view.checklist.dataBackedUp || view.checklist.dataBackupLocation !== backup.location)) {
      view = await apply(
        t,
        view,
        {
          key: backup.key,
          type: 'data_backup_confirmed',
          actor: backup.actor,
          at: input.at,
          data: { location: backup.location },
        },
        { dataBackedUp: true, dataBackupLocation: backup.location },
      );
    }
    if (view.stage === 'awaiting_prerequisites' && view.checklist.licensesUnassigned && view.checklist.dataBackedUp) {
      view = await apply(
        t,
        view,
        { key: 'stage:scheduled', type: 'stage_changed', actor: SYSTEM, at: input.at, data: { stage: 'scheduled' } },
        { stage: 'scheduled' },
      );
    }
    return view;
  }

  return {
    /** A checklist message (unassigned licences, a confirmed backup) carried out in one transaction. */
    async updateChecklist(input: ChecklistInput): Promise<CancellationView> {
      return failingForGoodOnDataErrors('updateChecklist', () => tx((t) => progress(t, input)));
    },

    /**
     * `cancellation_reminder`, 7 days and 1 day before the effective date while the checklist is open. The
     * licences are counted once more first (they may have been unassigned outside the API): no reminder
     * when that completes the checklist.
     */
    async remind(input: ReminderInput): Promise<CancellationView> {
      return failingForGoodOnDataErrors('remind', () =>
        tx(async (t) => {
          const view = await progress(t, {
            cancellationId: input.cancellationId,
            at: input.at,
            recountLicenses: { actor: SYSTEM },
          });
          // No reminder once the checklist is done, nor for a cancellation no longer open (a late attempt).
          if (view.checklist.licensesUnassigned && view.checklist.dataBackedUp) return view;
          if (view.stage !== 'awaiting_prerequisites' && view.stage !== 'scheduled') return view;
          const first = await appendEvent(t, {
            key: `${view.id}:${input.key}`,
            cancellationId: view.id,
            subscriptionId: view.subscriptionId,
            accountId: view.accountId,
            actor: SYSTEM,
            type: 'cancellation_reminder',
            data: { before: input.before },
            at: input.at,
          });
          if (first) {
            await queueNotification(t, {
              key: `${view.id}:${input.key}`,
              accountId: view.accountId,
              cancellationId: view.id,
              template: 'cancellation_reminder',
              recipient: view.requestedBy.email,
              payload: {
                cancellationId: view.id,
                effectiveAt: view.effectiveAt,
                checklist: view.checklist,
                before: input.before,
              },
              at: input.at,
            });
          }
          return view;
        }),
      );
    },
  };
}
