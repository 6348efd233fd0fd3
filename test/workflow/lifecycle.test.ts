import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { submitCancellation } from '../../api/workflow-client';
import { addMonthsUtc } from '../../domain/dates';
import type { CancellationView } from '../../domain/cancellation';
import {
  cancellationQuery,
  changeContractEndUpdate,
  confirmDataBackupUpdate,
  licensesChangedSignal,
  withdrawUpdate,
} from '../../workflows/messages';
import type { CancellationOutcome } from '../../workflows/cancellation';
import { eventually } from '../helpers/eventually';
import { DAY, WorkflowHarness } from './harness';

const h = new WorkflowHarness();
beforeAll(() => h.setUp('wf-lifecycle'), 120_000);
afterAll(() => h.tearDown());

const query = (view: CancellationView) => h.handle(view).query(cancellationQuery);
const result = async (view: CancellationView) => (await h.handle(view).result()) as CancellationOutcome;

async function unassignAll(subscriptionId: string, view: CancellationView) {
  await h.db.license.updateMany({ where: { subscriptionId }, data: { assignedToUserId: null } });
  await h.handle(view).signal(licensesChangedSignal);
}

describe('the whole path (P1, P2, P3, P6, P7, P16)', () => {
  it('turns auto-renew off at once and keeps access until the effective date (P1)', async () => {
    const seed = await h.seed({ assignedLicenses: 1 });
    const view = await h.accept(h.request(seed));
    const sub = await h.subscription(seed.subscriptionId);
    expect(sub).toMatchObject({ autoRenew: false, status: 'cancellation_scheduled' });
    expect(view.effectiveAt).toBe(sub.currentPeriodEnd.toISOString());
    expect(view.checklist).toEqual({
      balanceClear: true,
      licensesUnassigned: false,
      dataBackedUp: false,
      dataBackupLocation: null,
    });
    const row = await h.db.cancellation.findUniqueOrThrow({ where: { id: view.id } });
    expect(row.stage).toBe('awaiting_prerequisites');
    expect((await h.notifications(seed.accountId)).map((n) => n.template)).toEqual(['cancellation_scheduled']);
    await h.handle(view).terminate('test cleanup');
  });

  it('goes from awaiting prerequisites to scheduled to completed (P6, P7, P3)', async () => {
    const seed = await h.seed({ assignedLicenses: 2 });
    const view = await h.accept(h.request(seed));

    await unassignAll(seed.subscriptionId, view);
    const afterLicences = await eventually(
      () => query(view),
      (v) => v?.checklist.licensesUnassigned === true,
    );
    expect(afterLicences?.checklist.licensesUnassigned).toBe(true);
    expect(afterLicences?.stage).toBe('awaiting_prerequisites');

    const backedUp = await h.handle(view).executeUpdate(confirmDataBackupUpdate, {
      args: [{ location: 's3://acme-backups/webinar', actor: `user:${seed.userId}` }],
    });
    expect(backedUp.checklist).toMatchObject({ dataBackedUp: true, dataBackupLocation: 's3://acme-backups/webinar' });
    // The confirmation that completes the checklist answers with the stage already moved on.
    expect(backedUp.stage).toBe('scheduled');
    expect((await query(view))?.stage).toBe('scheduled');
    expect((await h.db.cancellation.findUniqueOrThrow({ where: { id: view.id } })).stage).toBe('scheduled');

    const end = await result(view);
    expect(end.outcome).toBe('completed');
    const row = await h.db.cancellation.findUniqueOrThrow({ where: { id: view.id } });
    expect(row).toMatchObject({ stage: 'completed', warnings: '[]' });
    expect(row.completedAt?.toISOString()).toBe(view.effectiveAt);
    const sub = await h.subscription(seed.subscriptionId);
    expect(sub).toMatchObject({ status: 'cancelled', autoRenew: false });
    expect((await h.notifications(seed.accountId)).map((n) => n.template)).toEqual([
      'cancellation_scheduled',
      'cancellation_completed',
    ]);
    expect((await h.events(seed.subscriptionId)).map((e) => e.type)).toEqual([
      'cancellation_scheduled',
      'licenses_unassigned',
      'data_backup_confirmed',
      'stage_changed', // scheduled; revision 3 deactivates in one step, with no separate "started" event
      'cancellation_completed',
    ]);
  });

  it('deactivates on the effective date even if the checklist was never done, releasing licences and warning (P3, P6, P7)', async () => {
    const seed = await h.seed({ assignedLicenses: 3 });
    const view = await h.accept(h.request(seed));
    const end = await result(view);
    expect(end.outcome).toBe('completed');
    if (end.outcome !== 'completed') return;
    expect(end.cancellation.warnings).toEqual(['data_backup_unconfirmed']);
    expect(end.cancellation.completedAt).toBe(view.effectiveAt);
    expect(
      await h.db.license.count({ where: { subscriptionId: seed.subscriptionId, assignedToUserId: { not: null } } }),
    ).toBe(0);
    const templates = (await h.notifications(seed.accountId)).map((n) => n.template);
    expect(templates).toEqual([
      'cancellation_scheduled',
      'cancellation_reminder',
      'cancellation_reminder',
      'cancellation_completed',
    ]);
  });
});

describe('reminders while the checklist is open', () => {
  it('queues cancellation_reminder 7 days and 1 day before the effective date, not before', async () => {
    const seed = await h.seed({ assignedLicenses: 1 });
    const view = await h.accept(h.request(seed));
    const effective = new Date(view.effectiveAt).getTime();
    const reminders = async () =>
      (await h.notifications(seed.accountId)).filter((n) => n.template === 'cancellation_reminder');

    await h.env.sleep(effective - 7 * DAY - (await h.now()).getTime() - 60_000);
    expect(await reminders()).toHaveLength(0);
    await h.env.sleep(120_000);
    const first = await eventually(reminders, (r) => r.length === 1);
    expect(first).toHaveLength(1);
    expect(first[0].createdAt.getTime()).toBe(effective - 7 * DAY);
    expect(JSON.parse(first[0].payload)).toMatchObject({ before: '7d', cancellationId: view.id });

    await h.env.sleep(effective - DAY - (await h.now()).getTime() + 60_000);
    const both = await eventually(reminders, (r) => r.length === 2);
    expect(both.map((n) => n.createdAt.getTime())).toEqual([effective - 7 * DAY, effective - DAY]);
    await h.handle(view).terminate('test cleanup');
  });

  it('does not send a reminder whose time had passed at acceptance', async () => {
    const now = await h.now();
    const seed = await h.seed({
      assignedLicenses: 1,
      subscription: {
        currentPeriodStart: new Date(now.getTime() - 27 * DAY).toISOString(),
        currentPeriodEnd: new Date(now.getTime() + 3 * DAY).toISOString(),
      },
    });
    const view = await h.accept(h.request(seed));
    await result(view);
    const payloads = (await h.notifications(seed.accountId))
      .filter((n) => n.template === 'cancellation_reminder')
      .map((n) => JSON.parse(n.payload).before);
    expect(payloads).toEqual(['1d']);
  });

  it('sends no reminder once the checklist is done', async () => {
    const seed = await h.seed();
    const view = await h.accept(h.request(seed));
    await h.handle(view).executeUpdate(confirmDataBackupUpdate, { args: [{ location: 'nas://x', actor: 'user:x' }] });
    await result(view);
    const templates = (await h.notifications(seed.accountId)).map((n) => n.template);
    expect(templates).toEqual(['cancellation_scheduled', 'cancellation_completed']);
  });
});

describe('charges: the article examples (P13, P14, P15)', () => {
  it('bills a 12-month contract cancelled 6 months in for its 6 remaining months, active until its end (P2, P14)', async () => {
    const now = await h.now();
    const contractStart = addMonthsUtc(now, -6);
    const seed = await h.seed({
      subscription: {
        billing: 'fixed_term',
        contractStart: contractStart.toISOString(),
        contractEnd: addMonthsUtc(contractStart, 12).toISOString(),
        currentPeriodStart: addMonthsUtc(contractStart, 6).toISOString(),
        currentPeriodEnd: addMonthsUtc(contractStart, 7).toISOString(),
        monthlyPriceCents: 2500,
      },
    });
    const view = await h.accept(h.request(seed));
    expect(view.effectiveAt).toBe(addMonthsUtc(contractStart, 12).toISOString());
    expect(view.charges.lines).toHaveLength(6);
    expect(view.charges.lines.every((l) => l.amountCents === 2500)).toBe(true);
    expect(view.charges).toMatchObject({ currency: 'EUR', remainingCents: 15_000, refundCents: 0 });
    const end = await result(view);
    expect(end.outcome).toBe('completed');
    expect((await h.subscription(seed.subscriptionId)).cancelledAt?.toISOString()).toBe(view.effectiveAt);
  });

  it('bills a 15-month contract cancelled 3 months before its end for those 3 months (P14)', async () => {
    const now = await h.now();
    const contractStart = addMonthsUtc(now, -12);
    const seed = await h.seed({
      subscription: {
        billing: 'fixed_term',
        contractStart: contractStart.toISOString(),
        contractEnd: addMonthsUtc(contractStart, 15).toISOString(),
        currentPeriodStart: addMonthsUtc(contractStart, 12).toISOString(),
        currentPeriodEnd: addMonthsUtc(contractStart, 13).toISOString(),
        monthlyPriceCents: 9900,
      },
    });
    const view = await h.accept(h.request(seed));
    expect(view.charges.lines.map((l) => l.periodStart)).toEqual(
      [12, 13, 14].map((m) => addMonthsUtc(contractStart, m).toISOString()),
    );
    expect(view.charges).toMatchObject({ remainingCents: 29_700, refundCents: 0 });
    await h.handle(view).terminate('test cleanup');
  });

  it('bills a monthly plan cancelled mid-month for the whole month, active until its end (P13, P15)', async () => {
    const now = await h.now();
    const start = new Date(now.getTime() - 15 * DAY);
    const seed = await h.seed({
      subscription: { currentPeriodStart: start.toISOString(), currentPeriodEnd: addMonthsUtc(start, 1).toISOString() },
    });
    const view = await h.accept(h.request(seed));
    expect(view.charges).toEqual({
      currency: 'EUR',
      remainingCents: 4900,
      refundCents: 0,
      lines: [
        expect.objectContaining({
          periodStart: start.toISOString(),
          periodEnd: addMonthsUtc(start, 1).toISOString(),
          amountCents: 4900,
        }),
      ],
    });
    expect(view.effectiveAt).toBe(addMonthsUtc(start, 1).toISOString());
    await h.handle(view).terminate('test cleanup');
  });
});

describe('steering a waiting cancellation', () => {
  async function contract(monthsLeft: number) {
    const now = await h.now();
    const contractStart = addMonthsUtc(now, -2);
    return h.seed({
      subscription: {
        billing: 'fixed_term',
        contractStart: contractStart.toISOString(),
        contractEnd: addMonthsUtc(contractStart, 2 + monthsLeft).toISOString(),
        currentPeriodStart: addMonthsUtc(contractStart, 2).toISOString(),
        currentPeriodEnd: addMonthsUtc(contractStart, 3).toISOString(),
        monthlyPriceCents: 1000,
      },
    });
  }

  it('re-arms the timer earlier when the contract end moves earlier (P2)', async () => {
    const seed = await contract(6);
    const view = await h.accept(h.request(seed));
    const sub = await h.subscription(seed.subscriptionId);
    const earlier = addMonthsUtc(sub.currentPeriodStart, 2);
    const moved = await h.handle(view).executeUpdate(changeContractEndUpdate, {
      args: [{ contractEnd: earlier.toISOString(), actor: 'support:agt_1' }],
    });
    expect(moved.effectiveAt).toBe(earlier.toISOString());
    expect(moved.charges).toMatchObject({ remainingCents: 2000 });
    const end = await result(view);
    expect(end.outcome === 'completed' && end.cancellation.completedAt).toBe(earlier.toISOString());
    expect((await h.subscription(seed.subscriptionId)).contractEnd?.toISOString()).toBe(earlier.toISOString());
  });

  it('re-arms the timer later when the contract end moves later (P2)', async () => {
    const seed = await contract(2);
    const view = await h.accept(h.request(seed));
    const sub = await h.subscription(seed.subscriptionId);
    const later = addMonthsUtc(sub.currentPeriodStart, 5);
    const moved = await h.handle(view).executeUpdate(changeContractEndUpdate, {
      args: [{ contractEnd: later.toISOString(), actor: 'support:agt_1' }],
    });
    expect(moved.charges.lines).toHaveLength(5);
    const end = await result(view);
    expect(end.outcome === 'completed' && end.cancellation.completedAt).toBe(later.toISOString());
  });

  it('refuses a contract end in the past, and on a monthly plan', async () => {
    const seed = await contract(3);
    const view = await h.accept(h.request(seed));
    const past = new Date((await h.now()).getTime() - DAY).toISOString();
    await expect(
      h.handle(view).executeUpdate(changeContractEndUpdate, { args: [{ contractEnd: past, actor: 'x' }] }),
    ).rejects.toThrow(WorkflowUpdateFailedError);
    const monthly = await h.seed();
    const mview = await h.accept(h.request(monthly));
    const err = await h
      .handle(mview)
      .executeUpdate(changeContractEndUpdate, {
        args: [{ contractEnd: new Date((await h.now()).getTime() + 90 * DAY).toISOString(), actor: 'x' }],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('invalid_contract_end');
    await h.handle(view).terminate('test cleanup');
    await h.handle(mview).terminate('test cleanup');
  });

  it('withdraws before deactivation: auto-renew back on, subscription active, notification queued', async () => {
    const seed = await h.seed({ assignedLicenses: 1 });
    const view = await h.accept(h.request(seed));
    const withdrawn = await h.handle(view).executeUpdate(withdrawUpdate, { args: [{ actor: `user:${seed.userId}` }] });
    expect(withdrawn.stage).toBe('withdrawn');
    expect(withdrawn.withdrawnAt).not.toBeNull();
    expect(await result(view)).toMatchObject({ outcome: 'withdrawn' });
    expect(await h.subscription(seed.subscriptionId)).toMatchObject({ autoRenew: true, status: 'active' });
    expect((await h.notifications(seed.accountId)).map((n) => n.template)).toEqual([
      'cancellation_scheduled',
      'cancellation_withdrawn',
    ]);
    // A withdrawn cancellation does not block a later one: the next request gets a fresh workflow.
    const again = await h.accept(h.request(seed));
    expect(again.workflowId).not.toBe(view.workflowId);
    await h.handle(again).terminate('test cleanup');
  });

  it('refuses a withdrawal once deactivation has started', async () => {
    const taskQueue = `${h.taskQueue}-gated`;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let deactivationStarted!: () => void;
    const started = new Promise<void>((r) => (deactivationStarted = r));
    const real = (await import('../../activities')).createActivities({ db: h.db });
    const worker = await h.createWorker(taskQueue, {
      deactivate: async (input) => {
        deactivationStarted();
        await gate;
        return real.deactivate(input);
      },
    });
    await worker.runUntil(async () => {
      const seed = await h.seed();
      const view = await h.accept(h.request(seed), taskQueue);
      const done = h.handle(view).result();
      // Move the test server's clock to the effective date explicitly.
      void h.env.sleep(new Date(view.effectiveAt).getTime() - (await h.now()).getTime() + 1000);
      await started;
      const err = await h
        .handle(view)
        .executeUpdate(withdrawUpdate, { args: [{ actor: 'user:x' }] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      const failure = (err as WorkflowUpdateFailedError).cause as ApplicationFailure;
      expect(failure.type).toBe('withdraw_not_allowed');
      expect(failure.message).toMatch(/deactivation has started/);
      release();
      expect(await done).toMatchObject({ outcome: 'completed' });
    });
  });
});

describe('one cancellation in progress per subscription', () => {
  it('makes one workflow of 50 concurrent identical requests; the others get its id', async () => {
    const seed = await h.seed();
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => h.submit(h.request(seed))));
    const accepted = outcomes.filter((o) => o.accepted);
    const conflicts = outcomes.filter((o): o is Extract<typeof o, { conflict: unknown }> => 'conflict' in o);
    expect(accepted).toHaveLength(1);
    expect(conflicts).toHaveLength(49);
    const winner = accepted[0] as Extract<(typeof outcomes)[number], { accepted: true }>;
    expect(new Set(conflicts.map((c) => c.conflict.cancellationId))).toEqual(new Set([winner.cancellation.id]));
    expect(await h.db.cancellation.count({ where: { subscriptionId: seed.subscriptionId } })).toBe(1);
    await h.handle(winner.cancellation).terminate('test cleanup');
  });

  it('answers a request computed with a stale generation as a conflict, writing nothing', async () => {
    const seed = await h.seed();
    const first = await h.accept(h.request(seed));
    await h.handle(first).executeUpdate(withdrawUpdate, { args: [{ actor: 'user:x' }] });
    await h.handle(first).result();
    const sub = await h.subscription(seed.subscriptionId);
    const stale = submitCancellation(h.gateway(), h.request(seed), {
      generation: 1,
      productName: sub.productName,
      productFamily: sub.productFamily,
      effectiveAt: sub.currentPeriodEnd,
    });
    // The workflow refused it as in progress (its scheduling step found the id taken): a conflict for the API.
    expect(await stale).toEqual({
      accepted: false,
      conflict: { workflowId: `cancellation-${seed.subscriptionId}-1`, cancellationId: null },
    });
    expect(await h.db.cancellation.count({ where: { subscriptionId: seed.subscriptionId } })).toBe(1);
    expect(await h.subscription(seed.subscriptionId)).toMatchObject({ status: 'active', autoRenew: true });
  });

  it('writes nothing twice when an activity is retried (idempotent activities)', async () => {
    const seed = await h.seed();
    const view = await h.accept(h.request(seed));
    const { createActivities } = await import('../../activities');
    const acts = createActivities({ db: h.db });
    const again = await acts.deactivate({ cancellationId: view.id, at: view.effectiveAt });
    const twice = await acts.deactivate({ cancellationId: view.id, at: view.effectiveAt });
    expect(twice).toEqual(again);
    expect((await h.notifications(seed.accountId)).filter((n) => n.template === 'cancellation_completed')).toHaveLength(
      1,
    );
    expect((await h.events(seed.subscriptionId)).filter((e) => e.type === 'cancellation_completed')).toHaveLength(1);
    await h.handle(view).terminate('test cleanup');
  });
});
