/**
 * API.md, "Conventions": one deadline per request, retries that converge, reads that need no worker. On
 * real processes (the Temporal dev server, a worker process, an API process with a 3 s deadline) and a
 * real database (SQLite, or PostgreSQL in CI's second pass):
 * - the worker frozen (SIGSTOP): a POST answers 503 within the deadline; once the worker is back, the
 *   same request with the same Idempotency-Key answers 201 naming the cancellation its first attempt made;
 * - reads of a running cancellation answer from the database while the worker is frozen;
 * - the database write-locked: a POST answers 503 within the deadline, then 201 on retry.
 */
import { randomUUID } from 'node:crypto';
import { seedAccount } from '../helpers/fixtures';
import { holdWriteLock } from '../helpers/db-lock';
import { eventually } from '../helpers/eventually';
import { START_TIMEOUT_MS, startStack, type E2eStack, type ServiceProcess } from '../helpers/stack';

const DEADLINE_MS = 3_000;
/** The answer may leave a little after the deadline: the event loop, the response's own write. */
const SLACK_MS = 1_500;

let stack: E2eStack;
let worker: ServiceProcess;
let api: ServiceProcess;
const accounts: Record<string, Awaited<ReturnType<typeof seedAccount>> & { token: string }> = {};

beforeAll(async () => {
  stack = await startStack('bounded');
  for (const name of ['running', 'frozen', 'locked']) {
    const token = `bounded-${name}-${randomUUID()}`;
    accounts[name] = { ...(await seedAccount(stack.testDb.db, { token })), token };
  }
  [worker, api] = await Promise.all([
    stack.startWorker(),
    stack.startApi({ REQUEST_DEADLINE_MS: String(DEADLINE_MS) }),
  ]);
}, START_TIMEOUT_MS + 90_000);

afterAll(async () => {
  if (worker?.process.status === undefined) worker?.process.child.kill('SIGCONT');
  await stack?.stop();
}, 60_000);

async function post(name: string, path: string, key: string, body: object) {
  const started = Date.now();
  const res = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${accounts[name].token}`,
      'content-type': 'application/json',
      'idempotency-key': key,
    },
    body: JSON.stringify(body),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a response body, checked field by field
  return { status: res.status, headers: res.headers, body: (await res.json()) as any, ms: Date.now() - started };
}

async function get(name: string, path: string) {
  const started = Date.now();
  const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${accounts[name].token}` } });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a response body, checked field by field
  return { status: res.status, body: (await res.json()) as any, ms: Date.now() - started };
}

const rowsOf = (subscriptionId: string) => stack.testDb.db.cancellation.findMany({ where: { subscriptionId } });

describe('with the worker frozen (SIGSTOP)', () => {
  let running: { id: string };

  beforeAll(async () => {
    const created = await post('running', '/v1/cancellations', randomUUID(), {
      subscriptionId: accounts.running.subscriptionId,
    });
    expect(created.status).toBe(201);
    running = created.body;
    worker.process.child.kill('SIGSTOP');
  });

  afterAll(() => {
    worker.process.child.kill('SIGCONT');
  });

  it('answers reads of a running cancellation from the database, at once', async () => {
    const res = await get('running', `/v1/cancellations/${running.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: running.id, stage: 'awaiting_prerequisites' });
    expect(res.ms).toBeLessThan(DEADLINE_MS);
  });

  it('answers a POST 503 with Retry-After within the deadline, then 201 with the same cancellation on retry', async () => {
    const key = randomUUID();
    const subscriptionId = accounts.frozen.subscriptionId;
    const first = await post('frozen', '/v1/cancellations', key, { subscriptionId });
    expect(first.status).toBe(503);
    expect(first.body.error).toMatchObject({ type: 'api_error', code: 'service_unavailable' });
    expect(Number(first.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(first.ms).toBeLessThan(DEADLINE_MS + SLACK_MS);

    // The worker comes back and decides the first attempt, which was admitted: it is accepted.
    worker.process.child.kill('SIGCONT');
    const rows = await eventually(
      () => rowsOf(subscriptionId),
      (r) => r.length > 0,
    );
    expect(rows).toHaveLength(1);

    const retry = await post('frozen', '/v1/cancellations', key, { subscriptionId });
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(rows[0].id);
    const again = await post('frozen', '/v1/cancellations', key, { subscriptionId });
    expect(again).toMatchObject({ status: 201, body: { id: rows[0].id } });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await rowsOf(subscriptionId)).toHaveLength(1);
  }, 60_000);
});

describe('with the database write-locked', () => {
  it('answers a POST 503 within the deadline, writes nothing, then 201 on retry once the lock is gone', async () => {
    const key = randomUUID();
    const subscriptionId = accounts.locked.subscriptionId;
    const lock = await holdWriteLock(stack.testDb);
    let first;
    try {
      first = await post('locked', '/v1/cancellations', key, { subscriptionId });
    } finally {
      await lock.release();
    }
    expect(first.status).toBe(503);
    expect(first.body.error).toMatchObject({ type: 'api_error', code: 'service_unavailable' });
    expect(first.headers.get('retry-after')).not.toBeNull();
    expect(first.ms).toBeLessThan(DEADLINE_MS + SLACK_MS);

    const retry = await eventually(
      () => post('locked', '/v1/cancellations', key, { subscriptionId }),
      (r) => r.status === 201,
      20_000,
    );
    expect(retry.status).toBe(201);
    expect(await rowsOf(subscriptionId)).toHaveLength(1);
    const sub = await stack.testDb.db.subscription.findUniqueOrThrow({ where: { id: subscriptionId } });
    expect(sub).toMatchObject({ status: 'cancellation_scheduled', autoRenew: false });
  }, 60_000);
});
