/**
 * The database write-locked for 20 s (SQLite: an exclusive transaction in another process; PostgreSQL: table
 * locks, test/helpers/db-lock.ts) while requests arrive and cancellations fall due, on real processes with a
 * 3 s request deadline: the scenario of outage.ts (every request 503 within the deadline, the due deactivations
 * done once the lock is gone, the retries converging on 201, the invariants). On SQLite the driver waits for a
 * lock synchronously; db/adapters.ts cuts each wait short and retries asynchronously, so ten waits overlap.
 */
import { START_TIMEOUT_MS, type ServiceProcess } from '../helpers/stack';
import { holdWriteLock } from '../helpers/db-lock';
import { logFigures, startFaultStack, type FaultStack } from './harness';
import { databaseOutage } from './outage';

const DEADLINE_MS = 3_000;
let stack: FaultStack;
let api: ServiceProcess;

beforeAll(async () => {
  stack = await startFaultStack('faults-db-lock');
  [, api] = await Promise.all([stack.startWorker(), stack.startApi({ REQUEST_DEADLINE_MS: String(DEADLINE_MS) })]);
}, START_TIMEOUT_MS + 30_000);

afterAll(() => stack?.stop(), 60_000);

it('answers 503 within the deadline while the database is write-locked, then deactivates and converges', async () => {
  let lock: Awaited<ReturnType<typeof holdWriteLock>> | undefined;
  const figures = await databaseOutage(stack, api, {
    deadlineMs: DEADLINE_MS,
    outageMs: 20_000,
    stagesTimeoutMs: 90_000,
    begin: async () => {
      lock = await holdWriteLock(stack.testDb);
    },
    end: async () => lock?.release(),
  });
  logFigures('database write-locked', { kind: stack.testDb.kind, ...figures });
}, 180_000);
