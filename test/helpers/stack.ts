/**
 * The stack as `npm start` runs it, for the end-to-end tests: a Temporal dev server (the CLI), and
 * worker and API processes (`node --import tsx`, as scripts/dev.ts starts them) on free ports, sharing a fresh
 * database (a temporary SQLite file, or PostgreSQL when TEST_DATABASE_URL says so). Every port is
 * picked free, the SDK metrics exporter's included, so several workers (one after the other, or side
 * by side) never collide.
 */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  freePort,
  startProcess,
  waitForHttpOk,
  waitUntil,
  type ExitStatus,
  type ManagedProcess,
} from '../../scripts/lib/processes';
import { startDevServer, waitForTemporal } from '../../scripts/lib/temporal-dev-server';
import { createTestDatabase, type TestDatabase } from './db';

const ROOT = path.resolve(__dirname, '..', '..');
/** The worker bundles workflows/ with webpack at start-up; on two busy cores that takes a while. */
export const START_TIMEOUT_MS = 150_000;

export interface ServiceProcess {
  name: string;
  process: ManagedProcess;
  /** http://127.0.0.1:<port> of its HTTP server (the API, or the worker's probes and /metrics). */
  url: string;
  /** Every line it wrote so far (pino JSON). */
  lines: string[];
  /** Resolves once a line it wrote contains `text`; fails if it exits first. */
  waitForLine(text: string, timeoutMs?: number): Promise<void>;
  /** SIGTERM, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<ExitStatus>;
}

export interface E2eStack {
  testDb: TestDatabase;
  temporalAddress: string;
  taskQueue: string;
  /** A worker process (worker/main.ts), ready (`/readyz` answers 200); `env` adds to its environment. */
  startWorker(env?: Record<string, string>): Promise<ServiceProcess>;
  /** An API process (api/main.ts), ready; `env` adds to its environment (e.g. REQUEST_DEADLINE_MS). */
  startApi(env?: Record<string, string>): Promise<ServiceProcess>;
  /** The last lines of every process, for failure messages. */
  explain(): string;
  /**
   * Stops the Temporal dev server (SIGTERM, SIGKILL after `graceMs`) and starts it again on the same port;
   * with `temporalDbFile` it comes back with the state it had. Resolves once it answers again.
   */
  restartTemporal(options?: { graceMs?: number; beforeStart?: () => Promise<void> }): Promise<void>;
  /** Stops every process still running (the Temporal server last) and drops the database. */
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Keeps the Temporal server's state in this file (SQLite), so a restart keeps every workflow; in memory by default. */
  temporalDbFile?: string;
  /**
   * A Temporal server already running (the cluster of test/cluster): no dev server is started, and
   * restartTemporal is the caller's business.
   */
  temporalAddress?: string;
}

export async function startStack(label: string, options: StackOptions = {}): Promise<E2eStack> {
  const cli = process.env.TEMPORAL_CLI_PATH;
  if (!cli && !options.temporalAddress)
    throw new Error('TEMPORAL_CLI_PATH is not set: jest globalSetup (test/global-setup.ts) provides it');
  const services: ServiceProcess[] = [];
  let temporal: ManagedProcess | undefined;
  let testDb: TestDatabase | undefined;

  const stop = async () => {
    await Promise.all(services.map((s) => s.stop(5_000)));
    await temporal?.stop(5_000);
    await testDb?.drop();
  };

  try {
    testDb = await createTestDatabase(label);
    const temporalPort = await freePort();
    const temporalAddress = options.temporalAddress ?? `127.0.0.1:${temporalPort}`;
    const startTemporal = async () => {
      if (options.temporalAddress) throw new Error('this stack runs on a Temporal server it did not start');
      temporal = startDevServer({ cli: cli!, port: temporalPort, dbFile: options.temporalDbFile });
      await waitForTemporal(temporalAddress, 'default', { timeoutMs: 60_000, process: temporal });
    };
    if (!options.temporalAddress) await startTemporal();
    const taskQueue = `${label}-${randomBytes(4).toString('hex')}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: testDb.url,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: taskQueue,
      LOG_LEVEL: 'info',
    };

    const start = async (kind: 'worker' | 'api', ports: Record<string, number | string>): Promise<ServiceProcess> => {
      const count = services.filter((s) => s.name.startsWith(kind)).length;
      const name = count ? `${kind}-${count + 1}` : kind;
      const lines: string[] = [];
      const entry = path.join(ROOT, kind, 'main.ts');
      // tsx's loader in one node process, as scripts/dev.ts runs them (see NODE_TS there): the tsx CLI
      // would relay SIGTERM and kill a child slow to acknowledge it, cutting the graceful stop short.
      const proc = startProcess(name, process.execPath, ['--import', 'tsx', entry], {
        cwd: ROOT,
        env: { ...env, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) },
        onLine: (line) => lines.push(line),
      });
      const url = `http://127.0.0.1:${kind === 'api' ? ports.PORT : ports.WORKER_HTTP_PORT}`;
      const service: ServiceProcess = {
        name,
        process: proc,
        url,
        lines,
        waitForLine: async (text, timeoutMs = 30_000) => {
          const seen = () => lines.some((l) => l.includes(text));
          // A line written just before the process exited still counts.
          await waitUntil(`${name} to log "${text}"`, async () => seen() || proc.status !== undefined, {
            timeoutMs,
            intervalMs: 100,
          });
          if (!seen()) throw new Error(`${name} exited without logging "${text}":\n${proc.tail()}`);
        },
        stop: (graceMs) => proc.stop(graceMs),
      };
      services.push(service);
      await waitForHttpOk(`${url}/readyz`, { timeoutMs: START_TIMEOUT_MS, process: proc });
      return service;
    };

    return {
      testDb,
      temporalAddress,
      taskQueue,
      startWorker: async (extra = {}) =>
        start('worker', { WORKER_HTTP_PORT: await freePort(), WORKER_SDK_METRICS_PORT: await freePort(), ...extra }),
      startApi: async (extra = {}) => start('api', { PORT: await freePort(), ...extra }),
      restartTemporal: async ({ graceMs = 5_000, beforeStart } = {}) => {
        await temporal?.stop(graceMs);
        await beforeStart?.();
        await startTemporal();
      },
      explain: () => services.map((s) => `--- ${s.name} ---\n${s.process.tail()}`).join('\n'),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** POST /v1/cancellations as the token's user; throws with the stack's last lines unless it answers 201. */
export async function requestCancellation(
  stack: E2eStack,
  api: ServiceProcess,
  token: string,
  subscriptionId: string,
): Promise<{ id: string; workflowId: string }> {
  const created = await fetch(`${api.url}/v1/cancellations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ subscriptionId }),
  });
  if (created.status !== 201) throw new Error(`POST answered ${created.status}\n${stack.explain()}`);
  return (await created.json()) as { id: string; workflowId: string };
}
