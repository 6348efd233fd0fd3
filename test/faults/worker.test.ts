/**
 * Faults of the worker, on real processes (the Temporal dev server, worker processes, the API):
 * - SIGKILL while ~140 cancellations are in flight: some being decided, some waiting for effective dates
 *   that pass while no worker runs; a new worker brings every one to its stage.
 * - SIGKILL right after decisions' commits, before their workflow tasks complete (FAULT_PAUSE_AFTER_DECISION_MS):
 *   a new worker replays each decision, finds its row, and goes on as accepted.
 * After each, the invariants of test/faults/invariants.ts hold.
 */
import { START_TIMEOUT_MS, type ServiceProcess } from '../helpers/stack';
import { eventually } from '../helpers/eventually';
import { checkInvariants } from './invariants';
import {
  awaitStages,
  convergeAll,
  requestCancellation,
  seedCustomers,
  startFaultStack,
  type Accepted,
  type FaultStack,
  logFigures,
} from './harness';

const DEADLINE_MS = 5_000;
let stack: FaultStack;
let api: ServiceProcess;
let worker: ServiceProcess;
const accepted: Accepted[] = [];

beforeAll(async () => {
  stack = await startFaultStack('faults-worker');
  [worker, api] = await Promise.all([
    stack.startWorker(),
    stack.startApi({ REQUEST_DEADLINE_MS: String(DEADLINE_MS) }),
  ]);
}, START_TIMEOUT_MS + 30_000);

afterAll(() => stack?.stop(), 60_000);

it('brings every cancellation to its stage after the worker is killed with 140 in flight', async () => {
  const far = await seedCustomers(stack, 'far', 100, new Date(Date.now() + 20 * 86_400_000));
  // Effective in 35 s: accepted before the fault, due while no worker runs.
  const dueAt = Date.now() + 35_000;
  const due = await seedCustomers(stack, 'due', 40, new Date(dueAt));
  const dueAccepted = await convergeAll(api, due);
  accepted.push(...dueAccepted);

  // 100 requests at once; the worker dies once some are decided and others are still being decided.
  const inFlight = far.map((c) => requestCancellation(api, c));
  const farIds = far.map((c) => c.subscriptionId);
  await eventually(
    () => stack.testDb.db.cancellation.count({ where: { subscriptionId: { in: farIds } } }),
    (n) => n >= 10,
    60_000,
  );
  worker.process.child.kill('SIGKILL');
  await worker.process.exited;
  const killedAt = Date.now();
  const decidedAtKill = await stack.testDb.db.cancellation.count({ where: { subscriptionId: { in: farIds } } });
  const dueRows = await stack.testDb.db.cancellation.findMany({ where: { id: { in: dueAccepted.map((a) => a.id) } } });
  expect(dueRows.filter((r) => r.stage === 'completed')).toEqual([]); // not due yet when the worker died

  const answers = await Promise.all(inFlight);
  const statuses = answers.reduce<Record<number, number>>((m, a) => ({ ...m, [a.status]: (m[a.status] ?? 0) + 1 }), {});
  // Nothing but 201 (decided before the kill) or 503 (the deadline) while the worker is dead: never a 500 or a 409.
  expect(Object.keys(statuses).filter((s) => s !== '201' && s !== '503')).toEqual([]);
  expect(statuses[503]).toBeGreaterThan(0); // the premise: some were still being decided when the worker died
  // 100 answers leave one event loop on two busy cores at about the same moment: more slack than for one request.
  const slowest503 = Math.max(...answers.filter((a) => a.status === 503).map((a) => a.ms));
  expect(slowest503).toBeLessThan(DEADLINE_MS + 3_000);

  // The due cancellations' effective date passes while no worker runs.
  await eventually(
    async () => Date.now(),
    (now) => now > dueAt + 2_000,
    60_000,
  );
  const restartAt = Date.now();
  worker = await stack.startWorker();
  const farAccepted = await convergeAll(api, far);
  accepted.push(...farAccepted);
  const expected = new Map([
    ...dueAccepted.map((a) => [a.id, 'completed'] as const),
    ...farAccepted.map((a) => [a.id, 'awaiting_prerequisites'] as const),
  ]);
  const { ms, wrong } = await awaitStages(stack, expected, 120_000);
  expect(wrong).toEqual([]);
  logFigures('worker SIGKILL with 140 in flight', {
    decidedAtKill,
    answersDuringFault: statuses,
    slowest503,
    deadMs: restartAt - killedAt,
    recoveredMsAfterRestart: Date.now() - restartAt,
    stagesReachedMsAfterConverge: ms,
  });
  expect(await checkInvariants(stack, accepted)).toEqual([]);
}, 300_000);

it('goes on with every request accepted after the worker is killed right after their decisions commit', async () => {
  await worker.stop(10_000);
  const dying = await stack.startWorker({ FAULT_PAUSE_AFTER_DECISION_MS: '120000' });
  const customers = await seedCustomers(stack, 'orphan', 5, new Date(Date.now() + 20 * 86_400_000));
  const first = customers.map((c) => requestCancellation(api, c));
  // Every decision committed, none of their workflow tasks completed.
  const ids = customers.map((c) => c.subscriptionId);
  const committed = await eventually(
    () => stack.testDb.db.cancellation.findMany({ where: { subscriptionId: { in: ids } } }),
    (rows) => rows.length === customers.length,
    60_000,
  );
  expect(committed).toHaveLength(customers.length);
  await dying.waitForLine("pausing 120000 ms after the decision's commit");
  dying.process.child.kill('SIGKILL');
  expect((await Promise.all(first)).map((a) => a.status)).toEqual(customers.map(() => 503));

  const restartAt = Date.now();
  worker = await stack.startWorker();
  const retried = await convergeAll(api, customers);
  const recoveredMs = Date.now() - restartAt;
  // The retries answer the cancellations the first attempts committed: each accepted once.
  expect(retried.map((a) => a.id).sort()).toEqual(committed.map((r) => r.id).sort());
  accepted.push(...retried);
  const { wrong } = await awaitStages(stack, new Map(retried.map((a) => [a.id, 'awaiting_prerequisites'])), 60_000);
  expect(wrong).toEqual([]);
  logFigures('worker SIGKILL after decisions committed', { requests: customers.length, recoveredMs });
  expect(await checkInvariants(stack, accepted)).toEqual([]);
}, 240_000);
