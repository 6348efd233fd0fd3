/**
 * The walking skeleton end to end, as `npm start` runs it: a Temporal dev server (the CLI), the worker
 * and the API as separate processes (tsx, as scripts/dev.ts starts them) on free ports, sharing a
 * fresh database (a temporary SQLite file, or PostgreSQL when TEST_DATABASE_URL says so).
 */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort, startProcess, waitForHttpOk, type ManagedProcess } from '../../scripts/lib/processes';
import { startDevServer, waitForTemporal } from '../../scripts/lib/temporal-dev-server';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { seedAccount } from '../helpers/fixtures';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const TOKEN = `e2e-token-${randomBytes(8).toString('hex')}`;
/** The worker bundles workflows/ with webpack at start-up; on two busy cores that takes a while. */
const START_TIMEOUT_MS = 150_000;

interface CancellationBody {
  id: string;
  subscriptionId: string;
  accountId: string;
  stage: string;
  workflowId: string;
  requestedBy: { userId: string };
}

describe('the stack over HTTP: Temporal dev server, worker process, API process', () => {
  let testDb: TestDatabase;
  let temporal: ManagedProcess | undefined;
  let worker: ManagedProcess | undefined;
  let api: ManagedProcess | undefined;
  let apiUrl: string;
  let workerUrl: string;
  let seeded: Awaited<ReturnType<typeof seedAccount>>;

  beforeAll(async () => {
    const cli = process.env.TEMPORAL_CLI_PATH;
    if (!cli) throw new Error('TEMPORAL_CLI_PATH is not set: jest globalSetup (test/global-setup.ts) provides it');
    testDb = await createTestDatabase('e2e');
    seeded = await seedAccount(testDb.db, { token: TOKEN, assignedLicenses: 1 });

    const [temporalPort, apiPort, workerPort] = [await freePort(), await freePort(), await freePort()];
    const address = `127.0.0.1:${temporalPort}`;
    temporal = startDevServer({ cli, port: temporalPort });
    await waitForTemporal(address, 'default', { timeoutMs: 60_000, process: temporal });

    const env = {
      ...process.env,
      DATABASE_URL: testDb.url,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: `e2e-${randomBytes(4).toString('hex')}`,
      PORT: String(apiPort),
      WORKER_HTTP_PORT: String(workerPort),
      LOG_LEVEL: 'info',
    };
    worker = startProcess('worker', TSX, [path.join(ROOT, 'worker', 'main.ts')], { cwd: ROOT, env });
    api = startProcess('api', TSX, [path.join(ROOT, 'api', 'main.ts')], { cwd: ROOT, env });
    apiUrl = `http://127.0.0.1:${apiPort}`;
    workerUrl = `http://127.0.0.1:${workerPort}`;
    await Promise.all([
      waitForHttpOk(`${workerUrl}/readyz`, { timeoutMs: START_TIMEOUT_MS, process: worker }),
      waitForHttpOk(`${apiUrl}/readyz`, { timeoutMs: START_TIMEOUT_MS, process: api }),
    ]);
  }, START_TIMEOUT_MS + 90_000);

  afterAll(async () => {
    await Promise.all([api?.stop(5_000), worker?.stop(5_000)]);
    await temporal?.stop(5_000);
    await testDb?.drop();
  }, 60_000);

  /** On failure, the processes' last lines say why. */
  const explain = () => [worker, api].map((p) => (p ? `--- ${p.name} ---\n${p.tail()}` : '')).join('\n');

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

    const subscription = await testDb.db.subscription.findUniqueOrThrow({ where: { id: seeded.subscriptionId } });
    expect(subscription.autoRenew).toBe(false);
    const row = await testDb.db.cancellation.findUniqueOrThrow({ where: { id: created.id } });
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
    const [apiExit, workerExit] = await Promise.all([api!.stop(30_000), worker!.stop(30_000)]);
    expect({ api: apiExit, worker: workerExit }).toEqual({
      api: { code: 0, signal: null },
      worker: { code: 0, signal: null },
    });
  }, 70_000);
});
