/**
 * The database write-locked for 20 s (SQLite: an exclusive transaction in another process; PostgreSQL: table
 * locks, test/helpers/db-lock.ts) while requests arrive and cancellations fall due, on real processes with a
 * 3 s request deadline: every request answers 503 within the deadline, the deactivations due meanwhile are
 * done once the lock is gone, and the retries with the same Idempotency-Key converge on 201.
 */
import { START_TIMEOUT_MS, type ServiceProcess } from '../helpers/stack';
import { holdWriteLock } from '../helpers/db-lock';
import { checkInvariants } from './invariants';
import {
  awaitStages,
  convergeAll,
  requestCancellation,
  seedCustomers,
  startFaultStack,
  type Answer,
  type FaultStack,
} from './harness';

const DEADLINE_MS = 3_000;
const LOCK_MS = 20_000;
/** The answer may leave a little after the deadline: the event loop, the response's own write. */
const SLACK_MS = 1_500;
let stack: FaultStack;
let api: ServiceProcess;

beforeAll(async () => {
  stack = await startFaultStack('faults-db-lock');
  [, api] = await Promise.all([stack.startWorker(), stack.startApi({ REQUEST_DEADLINE_MS: String(DEADLINE_MS) })]);
}, START_TIMEOUT_MS + 30_000);

afterAll(() => stack?.stop(), 60_000);

const log = (what: string, data: object) => process.stdout.write(`[faults] ${what} ${JSON.stringify(data)}\n`);

it('answers 503 within the deadline while the database is write-locked, then deactivates and converges', async () => {
  // Due 12 s from now: accepted before the lock, falling due while it is held.
  const dueAt = Date.now() + 12_000;
  const due = await seedCustomers(stack, 'due', 10, new Date(dueAt));
  const waiting = await seedCustomers(stack, 'locked', 10, new Date(Date.now() + 20 * 86_400_000));
  const dueAccepted = await convergeAll(api, due);
  expect(Date.now()).toBeLessThan(dueAt); // the premise: none due yet

  const lock = await holdWriteLock(stack.testDb);
  const lockedAt = Date.now();
  const answers: Answer[] = [];
  let burst: Answer[] = [];
  try {
    // All ten at once, first: each within the deadline too. On SQLite the driver (better-sqlite3) waits for a lock
    // synchronously; db/adapters.ts cuts each wait short and retries asynchronously, so the ten waits overlap.
    burst = await Promise.all(waiting.map((c) => requestCancellation(api, c)));
    // Then the same requests (same keys) one at a time, for as long as the lock is held.
    for (let i = 0; Date.now() - lockedAt < LOCK_MS; i++)
      answers.push(await requestCancellation(api, waiting[i % waiting.length]));
    expect(Date.now()).toBeGreaterThan(dueAt); // the deactivations fell due under the lock
  } finally {
    await lock.release();
  }
  const releasedAt = Date.now();
  for (const a of [...burst, ...answers]) {
    expect(a.status).toBe(503);
    expect(a.body.error).toMatchObject({ type: 'api_error', code: 'service_unavailable' });
  }
  const slowest = Math.max(...answers.map((a) => a.ms));
  expect(slowest).toBeLessThan(DEADLINE_MS + SLACK_MS);
  const slowestOfBurst = Math.max(...burst.map((a) => a.ms));
  expect(slowestOfBurst).toBeLessThan(DEADLINE_MS + SLACK_MS);

  const waitingAccepted = await convergeAll(api, waiting);
  const convergedMs = Date.now() - releasedAt;
  const expected = new Map([
    ...dueAccepted.map((a) => [a.id, 'completed'] as const),
    ...waitingAccepted.map((a) => [a.id, 'awaiting_prerequisites'] as const),
  ]);
  const { wrong } = await awaitStages(stack, expected, 90_000);
  expect(wrong).toEqual([]);
  log('database write-locked', {
    kind: stack.testDb.kind,
    lockMs: releasedAt - lockedAt,
    answers503: burst.length + answers.length,
    slowestMs: slowest,
    burst: burst.map((a) => a.ms).sort((a, b) => a - b),
    convergedMsAfterRelease: convergedMs,
    deactivatedMsAfterRelease: Date.now() - releasedAt,
  });
  expect(await checkInvariants(stack, [...dueAccepted, ...waitingAccepted])).toEqual([]);
}, 180_000);
