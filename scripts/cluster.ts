/**
 * `npm run cluster`: what a small production looks like, on one machine.
 *
 *   1. the Temporal server v1.32.0 and its SQL tool (scripts/lib/temporal-cluster.ts: built with Go once);
 *   2. its databases `temporal` and `temporal_visibility` created and migrated on PostgreSQL;
 *   3. its four services as separate processes, each with its rendering of deploy/temporal/config.template.yaml
 *      (in .data/cluster/), then the `default` namespace and the project's search attributes;
 *   4. the application's database (PostgreSQL) migrated and, when empty, the demo fixture;
 *   5. two workers and two API instances, each its own process, on their own ports.
 *
 * Ctrl-C or SIGTERM stops every process, the Temporal services last; any process dying stops everything.
 * Environment: DATABASE_URL (postgres://, default postgres://cancel:cancel@127.0.0.1:5432/cancel),
 * TEMPORAL_POSTGRES_URL (the server and role for Temporal's databases; default: DATABASE_URL's),
 * TEMPORAL_HISTORY_SHARDS (default 8, only read when the databases are created), TEMPORAL_SERVER_PATH and
 * TEMPORAL_SQL_TOOL_PATH (existing binaries instead of building them), CLUSTER_API_PORTS (default 3000,3002),
 * CLUSTER_WORKER_PORTS (default 3001,3003), LOG_LEVEL.
 */
import fs from 'node:fs';
import path from 'node:path';
import { portInUse, waitForHttpOk } from './lib/processes';
import { sayDemoPortalLinks } from './lib/portal-links';
import { demoOutbound, prepareAppDatabase, sayDemoTokens, supervise } from './lib/supervisor';
import {
  DEFAULT_CLUSTER_PORTS,
  ensureServerBinaries,
  postgresServerOf,
  setupTemporalDatabases,
  startTemporalCluster,
  TEMPORAL_SERVER_VERSION,
  TEMPORAL_SERVICES,
} from './lib/temporal-cluster';

const ROOT = path.resolve(__dirname, '..');
const DATA_DIR = path.join(ROOT, '.data', 'cluster');
const DEFAULT_DATABASE_URL = 'postgres://cancel:cancel@127.0.0.1:5432/cancel';
const READY_TIMEOUT_MS = 180_000;

const say = (line = '') => process.stdout.write(`${line}\n`);

function ports(variable: string, fallback: [number, number]): [number, number] {
  const value = process.env[variable];
  if (!value) return fallback;
  const parsed = value.split(',').map((p) => Number(p.trim()));
  if (parsed.length !== 2 || parsed.some((p) => !Number.isInteger(p) || p < 1 || p > 65535))
    throw new Error(`${variable}=${value}: expected two port numbers separated by a comma, e.g. 3000,3002`);
  return [parsed[0], parsed[1]];
}

async function main(): Promise<number> {
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  if (!/^postgres(ql)?:\/\//.test(databaseUrl))
    throw new Error(
      `npm run cluster runs on PostgreSQL: DATABASE_URL must be a postgres:// URL (got ${databaseUrl.split(':')[0]}:…)`,
    );
  const temporalPostgres = postgresServerOf(process.env.TEMPORAL_POSTGRES_URL || databaseUrl);
  const apiPorts = ports('CLUSTER_API_PORTS', [3000, 3002]);
  const workerPorts = ports('CLUSTER_WORKER_PORTS', [3001, 3003]);
  const clusterPorts = DEFAULT_CLUSTER_PORTS;
  const logLevel = process.env.LOG_LEVEL || 'info';
  // The server keeps the count it was created with and ignores a different one later (with a warning).
  const historyShards = Number(process.env.TEMPORAL_HISTORY_SHARDS || 8);
  if (!Number.isInteger(historyShards) || historyShards < 1 || historyShards > 16_384)
    throw new Error(
      `TEMPORAL_HISTORY_SHARDS=${process.env.TEMPORAL_HISTORY_SHARDS}: expected a whole number from 1 to 16384`,
    );

  const busy: string[] = [];
  const wanted: [string, number][] = [
    ...apiPorts.map((p, i): [string, number] => [`API ${i + 1}`, p]),
    ...workerPorts.map((p, i): [string, number] => [`worker ${i + 1}`, p]),
    ['Temporal frontend', clusterPorts.frontendGrpc],
    ['Temporal history', clusterPorts.historyGrpc],
    ['Temporal matching', clusterPorts.matchingGrpc],
  ];
  for (const [what, port] of wanted) if (await portInUse(port)) busy.push(`${what} ${port}`);
  if (busy.length) {
    process.stderr.write(
      `Already in use: ${busy.join(', ')}. Stop whatever listens there (\`npm start\`'s dev server uses 7233 too), ` +
        'or choose other ports with CLUSTER_API_PORTS / CLUSTER_WORKER_PORTS.\n',
    );
    return 1;
  }

  // The Temporal services stop after the workers and the APIs: a worker may need the server to finish its activities.
  const supervisor = supervise(say, (child) => child.name.startsWith('temporal-'));

  const startUp = async () => {
    const binaries = ensureServerBinaries(say);
    if (supervisor.stopping()) return;
    const databases = { temporal: 'temporal', visibility: 'temporal_visibility' };
    say(`Preparing Temporal's databases on ${temporalPostgres.host}:${temporalPostgres.port}…`);
    await setupTemporalDatabases(binaries.sqlTool, temporalPostgres, databases, say);
    if (supervisor.stopping()) return;

    fs.mkdirSync(DATA_DIR, { recursive: true });
    const logFile = path.join(DATA_DIR, 'temporal.log');
    const log = fs.createWriteStream(logFile, { flags: 'a' });
    say(
      `Starting the Temporal server ${TEMPORAL_SERVER_VERSION} (frontend, history, matching, worker; ` +
        `${historyShards} history shards; log: ${path.relative(ROOT, logFile)})…`,
    );
    const cluster = await startTemporalCluster({
      binaries,
      postgres: temporalPostgres,
      databases,
      historyShards,
      ports: clusterPorts,
      configDir: DATA_DIR,
      namespace: process.env.TEMPORAL_NAMESPACE || 'default',
      onLine: (service, line) => log.write(`[${service}] ${line}\n`),
    });
    for (const service of TEMPORAL_SERVICES) supervisor.watch(cluster.service(service));
    if (supervisor.stopping()) return;

    say('Migrating the application database…');
    await prepareAppDatabase(databaseUrl, say);
    if (supervisor.stopping()) return;

    const outbound = await demoOutbound(DATA_DIR);
    const env = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: cluster.address,
      LOG_LEVEL: logLevel,
      ...outbound.env,
    };
    const start = (name: string, entry: string, extra: Record<string, string>) =>
      supervisor.startNode(name, entry, { ...env, ...extra });
    const workers = workerPorts.map((port, i) =>
      start(`worker-${i + 1}`, 'worker/main.ts', {
        WORKER_HTTP_PORT: String(port),
        WORKER_SDK_METRICS_PORT: String(9464 + i),
      }),
    );
    const apis = apiPorts.map((port, i) => start(`api-${i + 1}`, 'api/main.ts', { PORT: String(port) }));
    await Promise.all([
      ...workers.map((w, i) =>
        waitForHttpOk(`http://127.0.0.1:${workerPorts[i]}/readyz`, {
          timeoutMs: READY_TIMEOUT_MS,
          process: w,
          signal: supervisor.signal,
        }),
      ),
      ...apis.map((a, i) =>
        waitForHttpOk(`http://127.0.0.1:${apiPorts[i]}/readyz`, {
          timeoutMs: READY_TIMEOUT_MS,
          process: a,
          signal: supervisor.signal,
        }),
      ),
    ]);
    if (supervisor.stopping()) return;

    say('');
    say('The cluster is ready.');
    say(`  API instances:     ${apiPorts.map((p) => `http://127.0.0.1:${p}`).join('  ')}`);
    say(`  Workers:           ${workerPorts.map((p) => `http://127.0.0.1:${p}/readyz`).join('  ')}`);
    say(`  Temporal frontend: ${cluster.address} (temporal --address ${cluster.address} workflow list)`);
    say(
      `  Server metrics:    ${Object.values(clusterPorts.metrics)
        .map((p) => `:${p}/metrics`)
        .join(' ')}`,
    );
    say('  Put any HTTP load balancer in front of the API instances (deploy/README.md).');
    say(outbound.mailLine);
    sayDemoTokens(say);
    // A link opens on the instance that minted it, or on any other: sessions live in the shared database.
    await sayDemoPortalLinks(say, `http://127.0.0.1:${apiPorts[0]}`);
    say('Press Ctrl-C to stop.');
  };

  return supervisor.run(startUp);
}

main().then(
  (code) => {
    if (code === 0) say('Stopped.');
    process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
