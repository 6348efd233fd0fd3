/**
 * The production topology on real processes: the Temporal server v1.32.0 as four service processes on
 * PostgreSQL, two workers and two API instances sharing one PostgreSQL application database.
 * - a cancellation asked through API instance 1, followed through instance 2, completed at its effective date;
 * - an API instance killed: the other keeps answering;
 * - a worker killed with cancellations in flight: the other finishes everything, nothing doubled;
 * - the history service killed and restarted with cancellations pending: all complete.
 * After each, the invariants of the fault suite (test/faults/invariants.ts) hold.
 */
import { eventually } from '../helpers/eventually';
import { START_TIMEOUT_MS, type ServiceProcess } from '../helpers/stack';
import { checkInvariants } from '../faults/invariants';
import {
  awaitStages,
  convergeAll,
  logFigures,
  requestCancellation,
  seedCustomers,
  type Accepted,
  type Customer,
} from '../faults/harness';
import { startClusterStack, type ClusterStack } from './harness';

let stack: ClusterStack;
let apis: ServiceProcess[];
let workers: ServiceProcess[];
const accepted: Accepted[] = [];

beforeAll(async () => {
  stack = await startClusterStack('cluster-topology');
  workers = await Promise.all([stack.startWorker(), stack.startWorker()]);
  apis = await Promise.all([stack.startApi(), stack.startApi()]);
}, START_TIMEOUT_MS + 120_000);

afterAll(() => stack?.stop(), 90_000);

const explain = () => `${stack.explain()}\n${stack.serverTail()}`;

async function getCancellation(api: ServiceProcess, customer: Customer, id: string) {
  const res = await fetch(`${api.url}/v1/cancellations/${id}`, {
    headers: { authorization: `Bearer ${customer.token}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

it('accepts a cancellation through one API instance and completes it at its effective date, seen through the other', async () => {
  const effectiveAt = new Date(Date.now() + 20_000);
  const [customer] = await seedCustomers(stack, 'e2e', 1, effectiveAt);
  const [cancellation] = await convergeAll(apis[0], [customer]);
  accepted.push(cancellation);

  const first = await getCancellation(apis[1], customer, cancellation.id);
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({ id: cancellation.id, stage: 'awaiting_prerequisites' });
  expect(new Date(first.body.effectiveAt as string).getTime()).toBe(effectiveAt.getTime());

  const done = await eventually(
    () => getCancellation(apis[1], customer, cancellation.id),
    (r) => r.body.stage === 'completed',
    90_000,
  );
  expect(done.body.stage).toBe('completed');
  const row = await stack.testDb.db.cancellation.findUniqueOrThrow({ where: { id: cancellation.id } });
  // Deactivated at the effective date (P2), not before it.
  expect(row.completedAt!.getTime()).toBeGreaterThanOrEqual(effectiveAt.getTime());
  const subscription = await stack.testDb.db.subscription.findUniqueOrThrow({ where: { id: customer.subscriptionId } });
  expect(subscription.status).toBe('cancelled');
  logFigures('cluster end to end', {
    completedMsAfterEffectiveDate: row.completedAt!.getTime() - effectiveAt.getTime(),
  });
  expect(await checkInvariants(stack, accepted)).toEqual([]);
}, 180_000);

it('keeps answering through one API instance when the other is killed', async () => {
  const customers = await seedCustomers(stack, 'api-kill', 10, new Date(Date.now() + 20 * 86_400_000));
  const before = await convergeAll(apis[0], customers.slice(0, 5));
  apis[0].process.child.kill('SIGKILL');
  await apis[0].process.exited;
  // The requests a load balancer would now send to instance 2, and reads of what instance 1 accepted.
  const after = await convergeAll(apis[1], customers.slice(5));
  for (const [i, a] of before.entries()) {
    const read = await getCancellation(apis[1], customers[i], a.id);
    expect(read).toMatchObject({ status: 200, body: { id: a.id } });
  }
  // A retry through instance 2 of a request instance 1 accepted answers the same cancellation.
  const retried = await convergeAll(apis[1], customers.slice(0, 5));
  expect(retried.map((a) => a.id)).toEqual(before.map((a) => a.id));
  accepted.push(...before, ...after);
  const { wrong } = await awaitStages(
    stack,
    new Map([...before, ...after].map((a) => [a.id, 'awaiting_prerequisites'])),
    60_000,
  );
  expect(wrong).toEqual([]);
  apis[0] = await stack.startApi();
  expect(await checkInvariants(stack, accepted)).toEqual([]);
}, 180_000);

it('finishes everything on the other worker when one is killed with cancellations in flight', async () => {
  const dueAt = Date.now() + 30_000;
  const due = await seedCustomers(stack, 'worker-due', 20, new Date(dueAt));
  const far = await seedCustomers(stack, 'worker-far', 40, new Date(Date.now() + 20 * 86_400_000));
  const dueAccepted = await convergeAll(apis[1], due);
  // Requests through both instances; worker 1 dies while some are still being decided.
  const inFlight = far.map((c, i) => requestCancellation(apis[i % 2], c));
  const farIds = far.map((c) => c.subscriptionId);
  await eventually(
    () => stack.testDb.db.cancellation.count({ where: { subscriptionId: { in: farIds } } }),
    (n) => n >= 5,
    60_000,
  );
  workers[0].process.child.kill('SIGKILL');
  await workers[0].process.exited;
  const killedAt = Date.now();
  const answers = await Promise.all(inFlight);
  // Worker 2 is alive: a request whose task worker 1 held is retried on it by the server, or answers 503 within
  // the deadline and converges on retry. Never a 500.
  expect(answers.filter((a) => ![201, 503].includes(a.status)).map((a) => a.status)).toEqual([]);
  const farAccepted = await convergeAll(apis[0], far);
  accepted.push(...dueAccepted, ...farAccepted);
  const expected = new Map([
    ...dueAccepted.map((a) => [a.id, 'completed'] as const),
    ...farAccepted.map((a) => [a.id, 'awaiting_prerequisites'] as const),
  ]);
  const { ms, wrong } = await awaitStages(stack, expected, 150_000);
  expect(wrong).toEqual([]);
  logFigures('cluster worker SIGKILL', {
    answers: answers.reduce<Record<number, number>>((m, a) => ({ ...m, [a.status]: (m[a.status] ?? 0) + 1 }), {}),
    allStagesMsAfterKill: Date.now() - killedAt,
    stagesMsAfterConverge: ms,
  });
  expect(await checkInvariants(stack, accepted)).toEqual([]);
  workers[0] = await stack.startWorker();
}, 300_000);

it('completes every pending cancellation after the history service is killed and restarted', async () => {
  const dueAt = Date.now() + 25_000;
  const due = await seedCustomers(stack, 'history', 30, new Date(dueAt));
  const pending = await convergeAll(apis[0], due);
  accepted.push(...pending);
  await stack.cluster.restart('history', { kill: true, downMs: 5_000 });
  const restartedAt = Date.now();
  const { ms, wrong } = await awaitStages(stack, new Map(pending.map((a) => [a.id, 'completed'])), 150_000);
  if (wrong.length) process.stderr.write(explain());
  expect(wrong).toEqual([]);
  logFigures('cluster history service SIGKILL', {
    pending: pending.length,
    allCompletedMsAfterRestart: Date.now() - restartedAt,
    msAfterEffectiveDate: Date.now() - dueAt,
    awaitMs: ms,
  });
  expect(await checkInvariants(stack, accepted)).toEqual([]);
}, 300_000);
