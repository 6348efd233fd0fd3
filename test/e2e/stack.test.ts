/**
 * The walking skeleton end to end, as `npm start` runs it: a Temporal dev server (the CLI), the
 * worker and the API as separate processes (`node --import tsx`, as scripts/dev.ts starts them) on
 * free ports, sharing a fresh database (a temporary SQLite file, or PostgreSQL when
 * TEST_DATABASE_URL says so).
 */
import { randomBytes } from 'node:crypto';
import { seedAccount } from '../helpers/fixtures';
import { START_TIMEOUT_MS, startStack, type E2eStack, type ServiceProcess } from '../helpers/stack';

const TOKEN = `e2e-token-${randomBytes(8).toString('hex')}`;

interface CancellationBody {
  id: string;
  subscriptionId: string;
  accountId: string;
  stage: string;
  workflowId: string;
  requestedBy: { userId: string };
}

describe('the stack over HTTP: Temporal dev server, worker process, API process', () => {
  let stack: E2eStack;
  let worker: ServiceProcess;
  let api: ServiceProcess;
  let apiUrl: string;
  let workerUrl: string;
  let seeded: Awaited<ReturnType<typeof seedAccount>>;

  beforeAll(async () => {
    stack = await startStack('e2e');
    seeded = await seedAccount(stack.testDb.db, { token: TOKEN, assignedLicenses: 1 });
    [worker, api] = await Promise.all([stack.startWorker(), stack.startApi()]);
    apiUrl = api.url;
    workerUrl = worker.url;
  }, START_TIMEOUT_MS + 90_000);

  afterAll(() => stack?.stop(), 60_000);

  /** On failure, the processes' last lines say why. */
  const explain = () => stack.explain();

  it('answers /healthz and /readyz on the API and on the worker', async () => {
    for (const base of [apiUrl, workerUrl]) {
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect({ url: `${base}/readyz`, status: ready.status }).toEqual({ url: `${base}/readyz`, status: 200 });
    }
  });

  let created: CancellationBody;

  it('starts a cancellation workflow on POST /v1/cancellations: 201 with its stage, and auto-renew off', async () => {
    const res = await fetch(`${apiUrl}/v1/cancellations`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/json',
        'idempotency-key': `e2e-${randomBytes(4).toString('hex')}`,
      },
      body: JSON.stringify({ subscriptionId: seeded.subscriptionId, reason: { code: 'too_expensive' } }),
    });
    const body = (await res.json()) as CancellationBody;
    if (res.status !== 201) throw new Error(`POST answered ${res.status}: ${JSON.stringify(body)}\n${explain()}`);
    created = body;
    expect(created).toMatchObject({
      subscriptionId: seeded.subscriptionId,
      accountId: seeded.accountId,
      requestedBy: { userId: seeded.userId },
    });
    expect(created.id).toMatch(/^can_/);
    // One licence is still assigned, so the checklist is open (P6).
    expect(created.stage).toBe('awaiting_prerequisites');

    const subscription = await stack.testDb.db.subscription.findUniqueOrThrow({ where: { id: seeded.subscriptionId } });
    expect(subscription.autoRenew).toBe(false);
    const row = await stack.testDb.db.cancellation.findUniqueOrThrow({ where: { id: created.id } });
    expect(row).toMatchObject({ workflowId: created.workflowId, stage: created.stage });
  });

  it('returns the cancellation on GET /v1/cancellations/{id}', async () => {
    const res = await fetch(`${apiUrl}/v1/cancellations/${created.id}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: created.id,
      subscriptionId: seeded.subscriptionId,
      stage: created.stage,
      workflowId: created.workflowId,
    });
  });

  it('stops the API and the worker gracefully on SIGTERM (exit code 0)', async () => {
    const [apiExit, workerExit] = await Promise.all([api.stop(30_000), worker.stop(30_000)]);
    expect({ api: apiExit, worker: workerExit }).toEqual({
      api: { code: 0, signal: null },
      worker: { code: 0, signal: null },
    });
  }, 70_000);
});
