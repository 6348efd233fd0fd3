/**
 * What the benchmark measures, started as production runs it: a Temporal dev server with a state file
 * (SQLite, WAL), an application database (SQLite file, migrated), and the built worker and API
 * (`node dist/…`, what `npm run start:worker` / `start:api` run) as separate processes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createDb, type Db } from '../../db/client';
import { ensureTemporalBinaries } from '../temporal-binaries';
import { migrateDatabase } from '../lib/migrate';
import { freePort, startProcess, waitForHttpOk, type ManagedProcess } from '../lib/processes';
import { startDevServer, waitForTemporal } from '../lib/temporal-dev-server';

const ROOT = path.resolve(__dirname, '..', '..');

export interface BenchStack {
  dir: string;
  temporalDbFile: string;
  appDbFile: string;
  address: string;
  taskQueue: string;
  client: Client;
  db: Db;
  temporal: ManagedProcess;
  worker: ManagedProcess;
  api: ManagedProcess;
  apiUrl: string;
  workerMetricsUrl: string;
  stop(): Promise<void>;
}

export interface BenchStackOptions {
  /** WORKER_MAX_CACHED_WORKFLOWS for the worker process. */
  maxCachedWorkflows: number;
  logLevel: string;
  /** Extra node options for the API and worker processes (e.g. --cpu-prof). */
  nodeArgs: string[];
}

export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  for (const built of ['dist/worker/main.js', 'dist/api/main.js', 'dist/workflow-bundle.js'])
    if (!fs.existsSync(path.join(ROOT, built))) throw new Error(`${built} is missing: run \`npm run build\` first`);
  const bins = ensureTemporalBinaries();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const temporalDbFile = path.join(dir, 'temporal.db');
  const appDbFile = path.join(dir, 'app.db');
  const url = `file:${appDbFile}`;
  const processes: ManagedProcess[] = [];
  let client: Client | undefined;
  let db: Db | undefined;
  const stop = async () => {
    await Promise.all(processes.slice(1).map((p) => p.stop(10_000)));
    await processes[0]?.stop(10_000);
    await client?.connection.close().catch(() => undefined);
    await db?.$disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await migrateDatabase(url);
    db = createDb(url).db;
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const temporal = startDevServer({ cli: bins.cli, port, dbFile: temporalDbFile });
    processes.push(temporal);
    await waitForTemporal(address, 'default', { timeoutMs: 60_000, process: temporal });
    client = new Client({ connection: await Connection.connect({ address }) });

    const taskQueue = 'bench';
    const env = {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: url,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      LOG_LEVEL: options.logLevel,
    };
    const [apiPort, workerPort, sdkPort] = [await freePort(), await freePort(), await freePort()];
    const node = (entry: string) => [...options.nodeArgs, path.join(ROOT, entry)];
    const worker = startProcess('worker', process.execPath, node('dist/worker/main.js'), {
      cwd: ROOT,
      env: {
        ...env,
        WORKER_HTTP_PORT: String(workerPort),
        WORKER_SDK_METRICS_PORT: String(sdkPort),
        WORKER_MAX_CACHED_WORKFLOWS: String(options.maxCachedWorkflows),
      },
    });
    processes.push(worker);
    const api = startProcess('api', process.execPath, node('dist/api/main.js'), {
      cwd: ROOT,
      env: { ...env, PORT: String(apiPort) },
    });
    processes.push(api);
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const workerUrl = `http://127.0.0.1:${workerPort}`;
    await Promise.all([
      waitForHttpOk(`${apiUrl}/readyz`, { timeoutMs: 60_000, process: api }),
      waitForHttpOk(`${workerUrl}/readyz`, { timeoutMs: 60_000, process: worker }),
    ]);
    return {
      dir,
      temporalDbFile,
      appDbFile,
      address,
      taskQueue,
      client,
      db,
      temporal,
      worker,
      api,
      apiUrl,
      workerMetricsUrl: `${workerUrl}/metrics`,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
