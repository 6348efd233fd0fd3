/**
 * What the benchmark measures, started as production runs it, on one of two engines:
 *   - `dev`: a Temporal dev server with a state file (SQLite, WAL) and an application database in a SQLite file;
 *   - `cluster`: the Temporal server's four services on PostgreSQL (scripts/lib/temporal-cluster.ts) and the
 *     application database on the same PostgreSQL (BENCH_POSTGRES_URL, else TEST_DATABASE_URL, else
 *     postgres://cancel:cancel@127.0.0.1:5432/cancel), every database fresh and dropped afterwards.
 * Either way the built worker and API (`node dist/…`, what `npm run start:worker` / `start:api` run) are one
 * process each.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { createDb, type Db } from '../../db/client';
import { ensureTemporalBinaries } from '../temporal-binaries';
import { migrateDatabase } from '../lib/migrate';
import { dropDatabase } from '../lib/postgres';
import { freePort, startProcess, waitForHttpOk, type ManagedProcess } from '../lib/processes';
import { startDevServer, waitForTemporal } from '../lib/temporal-dev-server';
import { postgresServerOf, postgresUrl, startScratchCluster, TEMPORAL_SERVICES } from '../lib/temporal-cluster';
import { sqliteMb } from './proc-stats';
import { workerRuntime, type WorkerScript } from '../lib/worker-runtime';

const ROOT = path.resolve(__dirname, '..', '..');
const DEFAULT_POSTGRES = 'postgres://cancel:cancel@127.0.0.1:5432/cancel';

export type Engine = 'dev' | 'cluster';

export interface BenchStack {
  engine: Engine;
  /** What the engine is, for the report. */
  description: string;
  address: string;
  taskQueue: string;
  client: Client;
  db: Db;
  worker: ManagedProcess;
  api: ManagedProcess;
  apiUrl: string;
  workerMetricsUrl: string;
  /** The Temporal server's processes (one for the dev server, one per service for the cluster). */
  temporalPids(): number[];
  /** How the worker process was run: its package.json script's settings, as the environment left them. */
  workerRuntime: { script: WorkerScript; nodeArgs: string[]; env: Record<string, string> };
  /** Size of the Temporal server's databases (state and visibility) and of the application's. */
  databaseMb(): Promise<{ temporal: number; app: number }>;
  stop(): Promise<void>;
}

export interface BenchStackOptions {
  engine: Engine;
  /** WORKER_MAX_CACHED_WORKFLOWS for the worker process. */
  maxCachedWorkflows: number;
  logLevel: string;
  /** Which of package.json's worker scripts the worker runs as (its environment and node options). */
  workerScript: WorkerScript;
  /** Extra node options for the API and worker processes (e.g. --cpu-prof). */
  nodeArgs: string[];
  /** More arguments for the dev server (`temporal server start-dev`); the cluster ignores them. */
  devServerArgs: string[];
}

/** A Temporal server and an application database, ready. */
interface StartedEngine {
  description: string;
  address: string;
  databaseUrl: string;
  temporalPids(): number[];
  databaseMb(): Promise<{ temporal: number; app: number }>;
}

async function startDevEngine(cleanUp: (() => Promise<void>)[], extraArgs: string[]): Promise<StartedEngine> {
  const bins = ensureTemporalBinaries();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  cleanUp.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  const temporalDbFile = path.join(dir, 'temporal.db');
  const appDbFile = path.join(dir, 'app.db');
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const temporal = startDevServer({ cli: bins.cli, port, dbFile: temporalDbFile, extraArgs });
  cleanUp.push(async () => void (await temporal.stop(10_000)));
  await waitForTemporal(address, 'default', { timeoutMs: 60_000, process: temporal });
  return {
    description:
      'Temporal dev server (SQLite file, WAL' +
      (extraArgs.length ? `; ${extraArgs.join(' ')}` : '') +
      '); application database in a SQLite file',
    address,
    databaseUrl: `file:${appDbFile}`,
    temporalPids: () => [temporal.child.pid!],
    databaseMb: async () => ({ temporal: sqliteMb(temporalDbFile), app: sqliteMb(appDbFile) }),
  };
}

async function startClusterEngine(cleanUp: (() => Promise<void>)[], logLevel: string): Promise<StartedEngine> {
  const base = process.env.BENCH_POSTGRES_URL || process.env.TEST_DATABASE_URL || DEFAULT_POSTGRES;
  const server = postgresServerOf(base);
  const admin = postgresUrl(server, 'postgres');
  const app = `bench_app_${randomBytes(3).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  cleanUp.push(async () => {
    await client.end();
    await dropDatabase(admin, app);
  });
  await client.query(`CREATE DATABASE "${app}"`);
  const cluster = await startScratchCluster({
    postgresUrl: base,
    label: 'bench',
    logLevel: logLevel === 'silent' ? 'error' : logLevel,
  });
  cleanUp.push(() => cluster.stop());
  const names = cluster.databases;
  const sizes = async () => {
    const { rows } = await client.query<{ datname: string; mb: number }>(
      'SELECT datname, pg_database_size(datname) / 1048576.0 AS mb FROM pg_database WHERE datname = ANY($1)',
      [[names.temporal, names.visibility, app]],
    );
    const mb = (name: string) => Number(rows.find((r) => r.datname === name)?.mb ?? 0);
    return { temporal: mb(names.temporal) + mb(names.visibility), app: mb(app) };
  };
  return {
    description:
      'Temporal server v1.32.0, four service processes, 8 history shards, on PostgreSQL; application database on the same PostgreSQL',
    address: cluster.address,
    databaseUrl: postgresUrl(server, app),
    temporalPids: () => TEMPORAL_SERVICES.map((s) => cluster.service(s).child.pid!),
    databaseMb: sizes,
  };
}

export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  for (const built of ['dist/worker/main.js', 'dist/api/main.js', 'dist/workflow-bundle.js'])
    if (!fs.existsSync(path.join(ROOT, built))) throw new Error(`${built} is missing: run \`npm run build\` first`);
  // Undone in reverse order: the application's processes, then the engine, then its files and databases.
  const cleanUp: (() => Promise<void>)[] = [];
  let client: Client | undefined;
  let db: Db | undefined;
  const stop = async () => {
    await client?.connection.close().catch(() => undefined);
    await db?.$disconnect();
    for (const step of cleanUp.reverse()) await step();
  };
  try {
    const engine =
      options.engine === 'cluster'
        ? await startClusterEngine(cleanUp, options.logLevel)
        : await startDevEngine(cleanUp, options.devServerArgs);
    const url = engine.databaseUrl;
    await migrateDatabase(url);
    db = createDb(url).db;
    client = new Client({ connection: await Connection.connect({ address: engine.address }) });

    const taskQueue = 'bench';
    const env = {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: url,
      TEMPORAL_ADDRESS: engine.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      LOG_LEVEL: options.logLevel,
      // Production refuses the development key that seals webhook secrets: a key of this run's own.
      WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex'),
    };
    const [apiPort, workerPort, sdkPort] = [await freePort(), await freePort(), await freePort()];
    const node = (entry: string) => [...options.nodeArgs, path.join(ROOT, entry)];
    // The worker as `npm run start:worker` (or `start:worker:small`) runs it in production, memory settings included.
    const runtime = workerRuntime(options.workerScript);
    // A value set in the calling environment wins over the script's default, as its `${VAR:-default}` does.
    const runtimeEnv = Object.fromEntries(Object.entries(runtime.env).map(([k, v]) => [k, process.env[k] ?? v]));
    const worker = startProcess('worker', process.execPath, [...runtime.nodeArgs, ...node('dist/worker/main.js')], {
      cwd: ROOT,
      env: {
        ...env,
        ...runtimeEnv,
        WORKER_HTTP_PORT: String(workerPort),
        WORKER_SDK_METRICS_PORT: String(sdkPort),
        WORKER_MAX_CACHED_WORKFLOWS: String(options.maxCachedWorkflows),
      },
    });
    const api = startProcess('api', process.execPath, node('dist/api/main.js'), {
      cwd: ROOT,
      env: { ...env, PORT: String(apiPort) },
    });
    cleanUp.push(async () => void (await Promise.all([worker.stop(10_000), api.stop(10_000)])));
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const workerUrl = `http://127.0.0.1:${workerPort}`;
    await Promise.all([
      waitForHttpOk(`${apiUrl}/readyz`, { timeoutMs: 60_000, process: api }),
      waitForHttpOk(`${workerUrl}/readyz`, { timeoutMs: 60_000, process: worker }),
    ]);
    return {
      engine: options.engine,
      description: engine.description,
      address: engine.address,
      taskQueue,
      client,
      db,
      worker,
      api,
      apiUrl,
      workerMetricsUrl: `${workerUrl}/metrics`,
      workerRuntime: { script: options.workerScript, nodeArgs: runtime.nodeArgs, env: runtimeEnv },
      temporalPids: engine.temporalPids,
      databaseMb: engine.databaseMb,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
