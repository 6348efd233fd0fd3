/**
 * What the fault tests share: a stack whose workers load the workflow bundle built once
 * (test/faults/global-setup.ts), many seeded subscriptions, and requests that are retried with their
 * Idempotency-Key until they converge.
 */
import { randomUUID } from 'node:crypto';
import { seedAccount } from '../helpers/fixtures';
import { eventually } from '../helpers/eventually';
import { startStack, type E2eStack, type ServiceProcess } from '../helpers/stack';

export type FaultStack = E2eStack & { startWorker(env?: Record<string, string>): Promise<ServiceProcess> };

export async function startFaultStack(label: string, options?: Parameters<typeof startStack>[1]): Promise<FaultStack> {
  const bundle = process.env.FAULTS_WORKFLOW_BUNDLE_PATH;
  if (!bundle) throw new Error('FAULTS_WORKFLOW_BUNDLE_PATH is not set: run through `npm run test:faults`');
  const stack = await startStack(label, options);
  const startWorker = stack.startWorker;
  return { ...stack, startWorker: (env = {}) => startWorker({ WORKFLOW_BUNDLE_PATH: bundle, ...env }) };
}

export interface Customer {
  token: string;
  accountId: string;
  subscriptionId: string;
  /** The Idempotency-Key of this customer's cancellation request (every retry reuses it). */
  key: string;
}

/**
 * `n` accounts, one subscription each (a billing admin, online, monthly; the checklist left open, so a
 * cancellation waits in `awaiting_prerequisites` until its effective date), whose period ends at `periodEnd`.
 */
export async function seedCustomers(stack: E2eStack, label: string, n: number, periodEnd: Date): Promise<Customer[]> {
  const customers: Customer[] = [];
  for (let i = 0; i < n; i++) {
    const token = `${label}-${i}-${randomUUID()}`;
    const seed = await seedAccount(stack.testDb.db, {
      token,
      assignedLicenses: 1,
      subscription: { currentPeriodEnd: periodEnd.toISOString() },
    });
    customers.push({ token, accountId: seed.accountId, subscriptionId: seed.subscriptionId, key: randomUUID() });
  }
  return customers;
}

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a response body, checked field by field
  body: any;
  ms: number;
}

/** POST /v1/cancellations; a dropped connection (the API killed, a socket reset) answers status 0. */
export async function requestCancellation(
  api: ServiceProcess,
  customer: Customer,
  key: string | null = customer.key,
): Promise<Answer> {
  const started = Date.now();
  try {
    const res = await fetch(`${api.url}/v1/cancellations`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${customer.token}`,
        'content-type': 'application/json',
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body: JSON.stringify({ subscriptionId: customer.subscriptionId }),
    });
    return { status: res.status, body: await res.json(), ms: Date.now() - started };
  } catch (err) {
    return { status: 0, body: { error: String(err) }, ms: Date.now() - started };
  }
}

export interface Accepted {
  id: string;
  subscriptionId: string;
  workflowId: string;
}

/**
 * Retries each customer's request with its key until it answers 201 (a 503 or 409 idempotency_key_in_use
 * is retried; anything else fails at once). Returns the accepted cancellations, in the customers' order.
 */
export async function convergeAll(
  api: ServiceProcess,
  customers: Customer[],
  timeoutMs = 120_000,
): Promise<Accepted[]> {
  const retryable = (a: Answer) =>
    a.status === 503 || a.status === 0 || (a.status === 409 && a.body?.error?.code === 'idempotency_key_in_use');
  const answers: Answer[] = [];
  // A few at a time: the retries of a whole batch at once would only queue behind each other.
  const queue = customers.map((c, i) => ({ c, i }));
  const run = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const { c, i } = next;
      answers[i] = await eventually(
        () => requestCancellation(api, c),
        (a) => !retryable(a),
        timeoutMs,
      );
    }
  };
  await Promise.all(Array.from({ length: 8 }, run));
  const wrong = answers.map((a, i) => ({ a, c: customers[i] })).filter(({ a }) => a.status !== 201);
  if (wrong.length)
    throw new Error(
      `${wrong.length} requests did not converge on 201: ${JSON.stringify(wrong.slice(0, 3).map(({ a }) => a))}`,
    );
  return answers.map((a) => ({ id: a.body.id, subscriptionId: a.body.subscriptionId, workflowId: a.body.workflowId }));
}

/** Waits until every cancellation is in its expected stage (read from the database); returns how long it took. */
export async function awaitStages(
  stack: E2eStack,
  expected: Map<string, string>,
  timeoutMs: number,
): Promise<{ ms: number; wrong: { id: string; stage: string | undefined; expected: string }[] }> {
  const started = Date.now();
  const wrongOnes = async () => {
    const rows = await stack.testDb.db.cancellation.findMany({
      where: { id: { in: [...expected.keys()] } },
      select: { id: true, stage: true },
    });
    const stages = new Map(rows.map((r) => [r.id, r.stage]));
    return [...expected]
      .filter(([id, stage]) => stages.get(id) !== stage)
      .map(([id, stage]) => ({ id, stage: stages.get(id), expected: stage }));
  };
  const wrong = await eventually(wrongOnes, (w) => w.length === 0, timeoutMs);
  return { ms: Date.now() - started, wrong };
}

/** One line of measured figures per fault, in the test's output (`[faults] …`), for the README's Reliability table. */
export const logFigures = (what: string, data: object): void => {
  process.stdout.write(`[faults] ${what} ${JSON.stringify(data)}\n`);
};
