/**
 * 50 identical requests at once, on real processes: with one Idempotency-Key, and with 50 keys. Exactly one
 * cancellation is made, and every answer agrees with it: 201 with its id, 409 `cancellation_in_progress`
 * naming it, or 409 `idempotency_key_in_use` (the first request with the key is still being answered).
 */
import { randomUUID } from 'node:crypto';
import { START_TIMEOUT_MS, type ServiceProcess } from '../helpers/stack';
import { checkInvariants } from './invariants';
import {
  requestCancellation,
  seedCustomers,
  startFaultStack,
  type Accepted,
  type FaultStack,
  logFigures,
} from './harness';

const N = 50;
let stack: FaultStack;
let api: ServiceProcess;
const accepted: Accepted[] = [];

beforeAll(async () => {
  stack = await startFaultStack('faults-concurrency');
  [, api] = await Promise.all([stack.startWorker(), stack.startApi()]);
}, START_TIMEOUT_MS + 30_000);

afterAll(() => stack?.stop(), 60_000);

const tally = (statuses: string[]) =>
  statuses.reduce<Record<string, number>>((m, s) => ({ ...m, [s]: (m[s] ?? 0) + 1 }), {});

async function oneCancellation(subscriptionId: string): Promise<string> {
  const rows = await stack.testDb.db.cancellation.findMany({ where: { subscriptionId } });
  expect(rows).toHaveLength(1);
  return rows[0].id;
}

it('makes one cancellation of 50 concurrent requests with one Idempotency-Key', async () => {
  const [customer] = await seedCustomers(stack, 'one-key', 1, new Date(Date.now() + 20 * 86_400_000));
  const started = Date.now();
  const answers = await Promise.all(Array.from({ length: N }, () => requestCancellation(api, customer)));
  const ms = Date.now() - started;
  const id = await oneCancellation(customer.subscriptionId);
  for (const a of answers) {
    if (a.status === 201) expect(a.body).toMatchObject({ id, subscriptionId: customer.subscriptionId });
    else expect(a).toMatchObject({ status: 409, body: { error: { code: 'idempotency_key_in_use' } } });
  }
  expect(answers.filter((a) => a.status === 201).length).toBeGreaterThanOrEqual(1);
  // A retry afterwards replays the stored 201.
  const retry = await requestCancellation(api, customer);
  expect(retry).toMatchObject({ status: 201, body: { id } });
  accepted.push({ id, subscriptionId: customer.subscriptionId, workflowId: retry.body.workflowId });
  logFigures('50 concurrent requests, one key', {
    answers: tally(answers.map((a) => `${a.status}${a.body?.error ? ` ${a.body.error.code}` : ''}`)),
    ms,
  });
  expect(await checkInvariants(stack, accepted)).toEqual([]);
});

it('makes one cancellation of 50 concurrent requests with 50 keys, and every answer names it', async () => {
  const [customer] = await seedCustomers(stack, 'many-keys', 1, new Date(Date.now() + 20 * 86_400_000));
  const started = Date.now();
  const answers = await Promise.all(Array.from({ length: N }, () => requestCancellation(api, customer, randomUUID())));
  const ms = Date.now() - started;
  const id = await oneCancellation(customer.subscriptionId);
  for (const a of answers) {
    if (a.status === 201) expect(a.body).toMatchObject({ id, subscriptionId: customer.subscriptionId });
    else
      expect(a).toMatchObject({
        status: 409,
        body: { error: { code: 'cancellation_in_progress', details: { cancellationId: id } } },
      });
  }
  const created = answers.filter((a) => a.status === 201);
  expect(created).toHaveLength(1);
  accepted.push({ id, subscriptionId: customer.subscriptionId, workflowId: created[0].body.workflowId });
  logFigures('50 concurrent requests, 50 keys', {
    answers: tally(answers.map((a) => `${a.status}${a.body?.error ? ` ${a.body.error.code}` : ''}`)),
    ms,
  });
  expect(await checkInvariants(stack, accepted)).toEqual([]);
});
