/**
 * Workflow revision 3 (issue 11): one test per defect of revision 2, each on the time-skipping test server
 * with a real database and real activities (a step made to fail or hang stands in for the fault).
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities, type Activities } from '../../activities';
import type { CancellationView } from '../../domain/cancellation';
import { ErrorCode } from '../../domain/errors';
import { confirmDataBackupUpdate, recountLicensesUpdate, withdrawUpdate } from '../../workflows/messages';
import type { CancellationOutcome } from '../../workflows/cancellation';
import { WorkflowHarness } from './harness';

const h = new WorkflowHarness();
beforeAll(() => h.setUp('wf-revision3'), 120_000);
afterAll(() => h.tearDown());

const result = async (view: { workflowId: string }) =>
  (await h.env.client.workflow.getHandle(view.workflowId).result()) as CancellationOutcome;
const real = () => createActivities({ db: h.db });
let queues = 0;
/** A worker on its own task queue whose activities are the real ones but for `override`. */
async function withWorker<T>(override: Partial<Activities>, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `${h.taskQueue}-r3-${++queues}`;
  const worker = await h.createWorker(taskQueue, override);
  return worker.runUntil(fn(taskQueue));
}

describe('1. a decision that outlived its attempt is not orphaned (the worker killed after its commit: orphan.test.ts)', () => {
  it('takes its own row when an earlier attempt committed after timing out', async () => {
    const seed = await h.seed();
    const request = h.request(seed);
    // The first attempt commits, then reports a timeout-like failure; the retry finds the row.
    let attempts = 0;
    await withWorker(
      {
        scheduleCancellation: async (input) => {
          const view = await real().scheduleCancellation(input);
          if (++attempts === 1) throw new Error('the first attempt outlived its timeout');
          return view;
        },
      },
      async (taskQueue) => {
        const decided = await h.submit(request, taskQueue);
        expect(decided).toMatchObject({ accepted: true, cancellation: { id: request.cancellationId } });
        await h.env.client.workflow.getHandle(`cancellation-${seed.subscriptionId}-1`).terminate('test cleanup');
      },
    );
    expect(attempts).toBe(2);
  });
});

describe('2. faults while deciding are not decisions', () => {
  it('fails the update with service_unavailable when the database is down, ends cleanly, and the request can be made again', async () => {
    const seed = await h.seed();
    const request = h.request(seed);
    let down = true;
    await withWorker(
      {
        loadEligibility: async (input) => {
          if (down) throw new Error('connect ECONNREFUSED: the database is down');
          return real().loadEligibility(input);
        },
      },
      async (taskQueue) => {
        const err = await h.submit(request, taskQueue).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
        expect(((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(
          ErrorCode.serviceUnavailable,
        );
        const workflowId = `cancellation-${seed.subscriptionId}-1`;
        expect(await result({ workflowId })).toMatchObject({ outcome: 'unavailable' });
        expect(await h.db.cancellation.count({ where: { subscriptionId: seed.subscriptionId } })).toBe(0);
        down = false;
        const again = await h.submit(request, taskQueue);
        expect(again).toMatchObject({ accepted: true, cancellation: { id: request.cancellationId } });
        await h.env.client.workflow.getHandle(workflowId).terminate('test cleanup');
      },
    );
  }, 60_000);

  it('answers a scheduling failure (not a held subscription) as service_unavailable, not as a conflict', async () => {
    const seed = await h.seed();
    await withWorker(
      {
        scheduleCancellation: async () => {
          throw new Error('CHECK constraint failed (a fault, not a decision)');
        },
      },
      async (taskQueue) => {
        const err = await h.submit(h.request(seed), taskQueue).catch((e: unknown) => e);
        expect(((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(
          ErrorCode.serviceUnavailable,
        );
      },
    );
    expect(await h.subscription(seed.subscriptionId)).toMatchObject({ status: 'active', autoRenew: true });
  }, 60_000);
});

describe('3. messages that race', () => {
  it('records both of two backup confirmations sent at once (P7)', async () => {
    const seed = await h.seed();
    const view = await h.accept(h.request(seed));
    const [first, second] = await Promise.all(
      ['s3://first', 's3://second'].map((location) =>
        h.handle(view).executeUpdate(confirmDataBackupUpdate, { args: [{ location, actor: 'user:x' }] }),
      ),
    );
    const events = (await h.events(seed.subscriptionId)).filter((e) => e.type === 'data_backup_confirmed');
    expect(events.map((e) => (JSON.parse(e.data) as { location: string }).location).sort()).toEqual([
      's3://first',
      's3://second',
    ]);
    const row = await h.db.cancellation.findUniqueOrThrow({ where: { id: view.id } });
    expect([first.checklist.dataBackupLocation, second.checklist.dataBackupLocation]).toContain(row.dataBackupLocation);
    await h.handle(view).terminate('test cleanup');
  });

  it('answers recountLicenses once the licences are re-counted (P6, API.md unassign-all)', async () => {
    const seed = await h.seed({ assignedLicenses: 2 });
    const view = await h.accept(h.request(seed));
    await h.db.license.updateMany({ where: { subscriptionId: seed.subscriptionId }, data: { assignedToUserId: null } });
    // Without `recorded` (licences released outside the API): the workflow counts them itself.
    const answered: CancellationView = await h.handle(view).executeUpdate(recountLicensesUpdate, { args: [{}] });
    expect(answered.checklist.licensesUnassigned).toBe(true);
    const row = await h.db.cancellation.findUniqueOrThrow({ where: { id: view.id } });
    expect(row.licensesUnassigned).toBe(true);
    await h.handle(view).terminate('test cleanup');
  });
});

describe("4. an operator's cancel request", () => {
  it('withdraws the cancellation (actor operator): auto-renew back on, row closed, event and notification', async () => {
    const seed = await h.seed();
    const view = await h.accept(h.request(seed));
    await h.handle(view).cancel();
    expect(await result(view)).toMatchObject({ outcome: 'withdrawn', cancellation: { stage: 'withdrawn' } });
    expect(await h.subscription(seed.subscriptionId)).toMatchObject({ status: 'active', autoRenew: true });
    const withdrawn = (await h.events(seed.subscriptionId)).find((e) => e.type === 'cancellation_withdrawn');
    expect(withdrawn?.actor).toBe('operator');
    expect((await h.notifications(seed.accountId)).map((n) => n.template)).toContain('cancellation_withdrawn');
    const description = await h.handle(view).describe();
    expect(description.status.name).toBe('COMPLETED');
  });

  it('lets a started deactivation finish instead (P3)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const deactivationStarted = new Promise<void>((r) => (started = r));
    await withWorker(
      {
        deactivate: async (input) => {
          started();
          await gate;
          return real().deactivate(input);
        },
      },
      async (taskQueue) => {
        const now = await h.now();
        const seed = await h.seed({
          subscription: {
            currentPeriodStart: new Date(now.getTime() - 30 * 86_400_000).toISOString(),
            currentPeriodEnd: new Date(now.getTime() + 2_000).toISOString(),
          },
        });
        const view = await h.accept(h.request(seed), taskQueue);
        const done = result(view); // lets the test server's clock run to the effective date
        await deactivationStarted;
        await h.handle(view).cancel();
        release();
        expect(await done).toMatchObject({ outcome: 'completed', cancellation: { stage: 'completed' } });
        expect(await h.subscription(seed.subscriptionId)).toMatchObject({ status: 'cancelled' });
      },
    );
  }, 60_000);
});

describe('5. a step that can never succeed', () => {
  it('ends in stage failed: subscription active again with auto-renew off, and a new cancellation possible', async () => {
    // A period that ends in 2 s, so the test needs no skip of the test server's clock.
    const now = await h.now();
    const seed = await h.seed({
      subscription: {
        currentPeriodStart: new Date(now.getTime() - 30 * 86_400_000).toISOString(),
        currentPeriodEnd: new Date(now.getTime() + 2_000).toISOString(),
      },
    });
    await withWorker(
      {
        deactivate: async () => {
          throw ApplicationFailure.create({ type: ErrorCode.dataError, message: 'a broken row', nonRetryable: true });
        },
      },
      async (taskQueue) => {
        const view = await h.accept(h.request(seed), taskQueue);
        const outcome = await result(view);
        expect(outcome).toMatchObject({ outcome: 'failed', cancellation: { stage: 'failed' } });
      },
    );
    expect(await h.subscription(seed.subscriptionId)).toMatchObject({ status: 'active', autoRenew: false });
    const again = await h.accept(h.request(seed));
    expect(again.workflowId).toBe(`cancellation-${seed.subscriptionId}-2`);
    await h.handle(again).terminate('test cleanup');
  }, 60_000);

  it('ends a withdrawal that hits a data error in stage failed, answering the update instead of hanging', async () => {
    const seed = await h.seed();
    await withWorker(
      {
        withdraw: async () => {
          throw ApplicationFailure.create({ type: ErrorCode.dataError, message: 'a broken row', nonRetryable: true });
        },
      },
      async (taskQueue) => {
        const view = await h.accept(h.request(seed), taskQueue);
        const err = await h
          .handle(view)
          .executeUpdate(withdrawUpdate, { args: [{ actor: 'user:x' }] })
          .catch((e: unknown) => e);
        expect(((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(
          ErrorCode.cancellationClosed,
        );
        expect(await result(view)).toMatchObject({ outcome: 'failed', cancellation: { stage: 'failed' } });
      },
    );
  });

  it('classifies a missing row as a data error that no retry cures, and keeps retrying an outage', async () => {
    const acts = real();
    const err = await acts
      .deactivate({ cancellationId: 'can_missing', at: new Date().toISOString() })
      .catch((e: unknown) => e);
    // The missing cancellation: not found, non-retryable (a data error of its own kind).
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    const { isDataError } = await import('../../activities/store');
    const missingRow = await h.db.subscription
      .update({ where: { id: 'sub_missing' }, data: { autoRenew: true } })
      .catch((e: unknown) => e);
    expect(isDataError(missingRow)).toBe(true);
    expect(isDataError(Object.assign(new Error('Can not reach database'), { code: 'P1001' }))).toBe(false);
  });
});
