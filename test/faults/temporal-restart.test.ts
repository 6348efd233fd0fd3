/**
 * The Temporal server stopped and started again (same port, same state file) with cancellations pending,
 * on real processes: a request while it is down answers 503 within the deadline and converges on retry;
 * the cancellations due while it was down complete once it is back, the others keep waiting, and the
 * worker and the API reconnect by themselves.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { START_TIMEOUT_MS, type ServiceProcess } from '../helpers/stack';
import { eventually } from '../helpers/eventually';
import { checkInvariants } from './invariants';
import {
  awaitStages,
  convergeAll,
  requestCancellation,
  seedCustomers,
  startFaultStack,
  type FaultStack,
  logFigures,
} from './harness';

const DEADLINE_MS = 3_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-temporal-'));
let stack: FaultStack;
let api: ServiceProcess;
let worker: ServiceProcess;

beforeAll(async () => {
  stack = await startFaultStack('faults-temporal', { temporalDbFile: path.join(dir, 'temporal.db') });
  [worker, api] = await Promise.all([
    stack.startWorker(),
    stack.startApi({ REQUEST_DEADLINE_MS: String(DEADLINE_MS) }),
  ]);
}, START_TIMEOUT_MS + 30_000);

afterAll(async () => {
  await stack?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

it('completes the cancellations due while the Temporal server was down, at their effective dates', async () => {
  const dueAt = Date.now() + 20_000;
  const due = await seedCustomers(stack, 'due', 20, new Date(dueAt));
  const far = await seedCustomers(stack, 'far', 10, new Date(Date.now() + 20 * 86_400_000));
  const [during] = await seedCustomers(stack, 'during', 1, new Date(Date.now() + 20 * 86_400_000));
  const accepted = await convergeAll(api, [...due, ...far]);
  expect(Date.now()).toBeLessThan(dueAt); // the premise: none due before the server goes down

  let downMs = 0;
  let whileDown: Awaited<ReturnType<typeof requestCancellation>> | undefined;
  await stack.restartTemporal({
    beforeStart: async () => {
      const stoppedAt = Date.now();
      whileDown = await requestCancellation(api, during);
      // Down until the due cancellations' effective date has passed.
      await eventually(
        async () => Date.now(),
        (now) => now > dueAt + 2_000,
        60_000,
      );
      downMs = Date.now() - stoppedAt;
    },
  });
  const restartedAt = Date.now();
  expect(whileDown).toMatchObject({ status: 503, body: { error: { code: 'service_unavailable' } } });
  expect(whileDown!.ms).toBeLessThan(DEADLINE_MS + 1_500);
  expect(worker.process.status).toBeUndefined(); // the worker stayed up and reconnects

  const [retried] = await convergeAll(api, [during], 90_000);
  accepted.push(retried);
  const expected = new Map<string, string>([
    ...accepted.slice(0, due.length).map((a) => [a.id, 'completed'] as const),
    ...accepted.slice(due.length).map((a) => [a.id, 'awaiting_prerequisites'] as const),
  ]);
  const { wrong } = await awaitStages(stack, expected, 120_000);
  expect(wrong).toEqual([]);
  logFigures('Temporal server restarted', {
    pending: accepted.length - 1,
    due: due.length,
    downMs,
    completedMsAfterRestart: Date.now() - restartedAt,
  });
  expect(await checkInvariants(stack, accepted)).toEqual([]);
}, 240_000);
