/**
 * SIGTERM reaches the worker while an activity of a cancellation is under way. The worker either
 * lets it finish (PostgreSQL: it waits on a lock, asynchronously, and completes once the lock goes)
 * or hands it back (SQLite: every attempt meets SQLITE_BUSY at once and is retried); a new worker
 * carries on, and the cancellation reaches its end exactly once: nothing lost, nothing doubled.
 *
 * The activity is held up by a real database lock taken from the test, not by a test hook.
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { waitUntil } from '../../scripts/lib/processes';
import type { TestDatabase } from '../helpers/db';
import { eventually } from '../helpers/eventually';
import { seedAccount } from '../helpers/fixtures';
import {
  requestCancellation,
  START_TIMEOUT_MS,
  startStack,
  type E2eStack,
  type ServiceProcess,
} from '../helpers/stack';

const TOKEN = `e2e-shutdown-${randomBytes(8).toString('hex')}`;

/** Holds the database's write lock for the audit log: the withdraw activity cannot record its event. */
async function holdWriteLock(testDb: TestDatabase): Promise<{ release(): Promise<void> }> {
  if (testDb.kind === 'sqlite') {
    const conn = new Database(testDb.url.replace(/^file:/, ''));
    // WAL: readers (the API's reads) go on; a writer that already read gets SQLITE_BUSY at once.
    conn.exec('BEGIN IMMEDIATE');
    return {
      release: async () => {
        conn.exec('ROLLBACK');
        conn.close();
      },
    };
  }
  const conn = new pg.Client({ connectionString: testDb.url });
  await conn.connect();
  await conn.query('BEGIN');
  // Reads go on; the activity's INSERT of the audit event waits for the lock.
  await conn.query('LOCK TABLE "CancellationEvent" IN EXCLUSIVE MODE');
  return {
    release: async () => {
      await conn.query('ROLLBACK');
      await conn.end();
    },
  };
}

let stack: E2eStack;
let api: ServiceProcess;
let firstWorker: ServiceProcess;
let connection: Connection | undefined;
let client: Client;
let seeded: Awaited<ReturnType<typeof seedAccount>>;

beforeAll(async () => {
  stack = await startStack('shutdown');
  seeded = await seedAccount(stack.testDb.db, { token: TOKEN });
  [firstWorker, api] = await Promise.all([stack.startWorker(), stack.startApi()]);
  connection = await Connection.connect({ address: stack.temporalAddress });
  client = new Client({ connection });
}, START_TIMEOUT_MS + 90_000);

afterAll(async () => {
  await connection?.close();
  await stack?.stop();
}, 60_000);

it('withdraws exactly once when the worker is stopped during the withdraw activity and another takes over', async () => {
  const auth = { authorization: `Bearer ${TOKEN}` };
  const { id, workflowId } = await requestCancellation(stack, api, TOKEN, seeded.subscriptionId);
  const { db } = stack.testDb;
  const withdrawnEvents = () =>
    db.cancellationEvent.count({ where: { cancellationId: id, type: 'cancellation_withdrawn' } });

  // The acceptance's outbox event (issue 14) is taken up first, so the lock holds up the withdraw alone.
  await eventually(
    () => db.outboxEvent.count({ where: { accountId: seeded.accountId, dispatchedAt: null } }),
    (n) => n === 0,
  );
  const lock = await holdWriteLock(stack.testDb);
  let released = false;
  try {
    // The customer withdraws. Without an Idempotency-Key the API itself writes nothing, so the
    // request goes through the lock to the workflow and stays open until the workflow answers.
    const withdrawal = fetch(`${api.url}/v1/cancellations/${id}/withdraw`, { method: 'POST', headers: auth });
    // Awaited below; should the test fail before that, its rejection (the API stopped) is no news.
    withdrawal.catch(() => undefined);

    const handle = client.workflow.getHandle(workflowId);
    await waitUntil(
      'the withdraw activity to be under way',
      async () => {
        const { raw } = await handle.describe();
        const pending = raw.pendingActivities?.find((a) => a.activityType?.name === 'withdraw');
        // Running now (lastStartedTime), or run already and waiting for its next attempt.
        return Boolean(pending && (pending.lastStartedTime || (pending.attempt ?? 1) > 1));
      },
      { timeoutMs: 30_000, process: firstWorker.process },
    );

    const firstExit = firstWorker.stop(40_000);
    await firstWorker.waitForLine('shutting down');
    expect(await withdrawnEvents()).toBe(0);
    await lock.release();
    released = true;
    expect(await firstExit).toEqual({ code: 0, signal: null });

    const secondWorker = await stack.startWorker();
    const res = await withdrawal;
    const body = (await res.json()) as { stage: string };
    if (res.status !== 200)
      throw new Error(`withdraw answered ${res.status}: ${JSON.stringify(body)}\n${stack.explain()}`);
    expect(body.stage).toBe('withdrawn');
    expect(await handle.result()).toMatchObject({ outcome: 'withdrawn' });

    // Exactly once: one audit event, one notification, the subscription active again.
    expect(await withdrawnEvents()).toBe(1);
    expect(await db.notification.count({ where: { cancellationId: id, template: 'cancellation_withdrawn' } })).toBe(1);
    expect(await db.subscription.findUniqueOrThrow({ where: { id: seeded.subscriptionId } })).toMatchObject({
      status: 'active',
      autoRenew: true,
    });
    // One activity in the history, completed once, however many attempts it took.
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'withdraw');
    expect(scheduled).toHaveLength(1);
    const completed = events.filter(
      (e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? -1) === Number(scheduled[0].eventId),
    );
    expect(completed).toHaveLength(1);
    // Which worker ran the attempt that succeeded (a worker's identity is `<pid>@<host>`). On PostgreSQL
    // the attempt was in flight and finished while the first worker drained; on SQLite every attempt
    // under the lock failed at once, and a retry finished it (on the second worker, unless a retry
    // slipped in between the lock's release and the first worker's last poll).
    const started = events.find(
      (e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId ?? -1) === Number(scheduled[0].eventId),
    );
    const finishedBy = started?.activityTaskStartedEventAttributes?.identity?.split('@')[0];
    const pids = [firstWorker, secondWorker].map((w) => String(w.process.child.pid));
    expect(pids).toContain(finishedBy);
    if (stack.testDb.kind === 'postgresql') expect(finishedBy).toBe(pids[0]);
  } finally {
    if (!released) await lock.release();
  }
}, 150_000);
