/**
 * The real Temporal server as a small production runs it: the server v1.32.0 (the version the dev CLI
 * embeds), its four services as separate processes, on PostgreSQL. Shared by `npm run cluster`
 * (scripts/cluster.ts), its tests (test/cluster) and the benchmark's cluster mode.
 *
 *   - ensureServerBinaries: TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH, else `go install` of both
 *     into .tools/ (git-ignored; Go's module and build caches make a second install quick);
 *   - setupTemporalDatabases: the `temporal` and `temporal_visibility` databases created and migrated with
 *     the server's SQL tool, from the schema files embedded in that very binary;
 *   - startTemporalCluster: one rendering of deploy/temporal/config.template.yaml per service, the four
 *     processes, the namespace and the project's search attributes registered.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import pg from 'pg';
import { searchAttributeKeys } from '../../workflows/search-attributes';
import { registerSearchAttributes } from '../search-attributes';
import { isExecutable, onPath } from '../temporal-binaries';
import { dropDatabase } from './postgres';
import { portInUse, startProcess, waitUntil, type ManagedProcess, type StartOptions } from './processes';

export const TEMPORAL_SERVER_VERSION = 'v1.32.0';
const ROOT = path.resolve(__dirname, '..', '..');
const TOOLS_DIR = path.join(ROOT, '.tools', `temporal-server-${TEMPORAL_SERVER_VERSION}`);
export const CONFIG_TEMPLATE = path.join(ROOT, 'deploy', 'temporal', 'config.template.yaml');
export const DYNAMIC_CONFIG = path.join(ROOT, 'deploy', 'temporal', 'dynamicconfig.yaml');
/** Closed cancellations stay in Temporal this long; the application's database keeps them for good. */
export const NAMESPACE_RETENTION_DAYS = 30;

/** In the order they start: the history and matching services own state the frontend routes to. */
export const TEMPORAL_SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

const runFile = promisify(execFile);

export interface ServerBinaries {
  server: string;
  sqlTool: string;
}

function findGo(): string | undefined {
  return onPath('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

/**
 * The server and its SQL tool: TEMPORAL_SERVER_PATH with TEMPORAL_SQL_TOOL_PATH when set, else the
 * binaries built by `go install` into .tools/temporal-server-v1.32.0 (once; about 5 minutes on 2 cores the
 * first time, seconds when Go's caches are warm). Only the Go module proxy is used.
 */
export function ensureServerBinaries(log: (line: string) => void): ServerBinaries {
  const server = process.env.TEMPORAL_SERVER_PATH;
  const sqlTool = process.env.TEMPORAL_SQL_TOOL_PATH;
  if (server || sqlTool) {
    if (!server || !sqlTool)
      throw new Error(
        'Set both TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH (the server and its SQL tool), or neither.',
      );
    for (const [name, file] of [
      ['TEMPORAL_SERVER_PATH', server],
      ['TEMPORAL_SQL_TOOL_PATH', sqlTool],
    ])
      if (!isExecutable(file)) throw new Error(`${name}=${file} is not an executable file`);
    return { server, sqlTool };
  }
  const built = { server: path.join(TOOLS_DIR, 'server'), sqlTool: path.join(TOOLS_DIR, 'sql') };
  if (isExecutable(built.server) && isExecutable(built.sqlTool)) return built;
  const go = findGo();
  if (!go)
    throw new Error(
      `The Temporal server ${TEMPORAL_SERVER_VERSION} is built from source with Go, and no \`go\` was found on PATH.\n` +
        'Install Go 1.26 or later (https://go.dev/doc/install), or set TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH ' +
        `to an existing temporal-server and temporal-sql-tool of version ${TEMPORAL_SERVER_VERSION}.`,
    );
  log(
    `Building the Temporal server ${TEMPORAL_SERVER_VERSION} and its SQL tool with Go into ` +
      `${path.relative(process.cwd(), TOOLS_DIR)} (about 5 minutes the first time, seconds afterwards)…`,
  );
  fs.mkdirSync(TOOLS_DIR, { recursive: true });
  const started = Date.now();
  execFileSync(
    go,
    [
      'install',
      `go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`,
      `go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`,
    ],
    { env: { ...process.env, GOBIN: TOOLS_DIR }, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  log(`Built in ${Math.round((Date.now() - started) / 1000)} s.`);
  return built;
}

/** A PostgreSQL server and the role Temporal connects as. */
export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
}

export function postgresServerOf(url: string): PostgresServer {
  const parsed = new URL(url);
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) throw new Error(`not a postgres:// URL: ${parsed.protocol}`);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  };
}

export function postgresUrl(server: PostgresServer, database: string): string {
  const auth = `${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}`;
  return `postgres://${auth}@${server.host}:${server.port}/${database}`;
}

export interface TemporalDatabases {
  /** Workflow state (default `temporal`). */
  temporal: string;
  /** Visibility: what the Web UI and list queries search (default `temporal_visibility`). */
  visibility: string;
}

async function withPostgres<T>(
  server: PostgresServer,
  database: string,
  use: (c: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: postgresUrl(server, database) });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates each database when missing and brings its schema to the server's version, with the server's own SQL
 * tool and the schema files embedded in it: idempotent, so it is also the upgrade step of a deployment. The
 * password reaches the tool in its environment, never on its command line.
 */
export async function setupTemporalDatabases(
  sqlTool: string,
  server: PostgresServer,
  databases: TemporalDatabases,
  log: (line: string) => void,
): Promise<void> {
  for (const [database, schemaName] of [
    [databases.temporal, 'postgresql/v12/temporal'],
    [databases.visibility, 'postgresql/v12/visibility'],
  ]) {
    const env = {
      ...process.env,
      SQL_PLUGIN: 'postgres12',
      SQL_HOST: server.host,
      SQL_PORT: String(server.port),
      SQL_USER: server.user,
      SQL_PASSWORD: server.password,
      SQL_DATABASE: database,
    };
    const tool = async (...args: string[]) => {
      try {
        await runFile(sqlTool, ['--quiet', ...args], { env });
      } catch (err) {
        const e = err as { stderr?: string; stdout?: string; message: string };
        throw new Error(
          `temporal-sql-tool ${args.join(' ')} failed on ${database}:\n${e.stderr || e.stdout || e.message}`,
        );
      }
    };
    const exists = await withPostgres(server, 'postgres', async (c) =>
      Boolean((await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount),
    );
    if (!exists) {
      log(`Creating the database ${database}…`);
      await tool('create-database');
    }
    const versioned = await withPostgres(server, database, async (c) =>
      Boolean((await c.query("SELECT 1 FROM pg_tables WHERE tablename = 'schema_version'")).rowCount),
    );
    if (!versioned) await tool('setup-schema', '--version', '0.0');
    await tool('update-schema', '--schema-name', schemaName);
  }
}

/** Every port a cluster listens on, on one host. */
export interface ClusterPorts {
  frontendGrpc: number;
  frontendHttp: number;
  frontendMembership: number;
  historyGrpc: number;
  historyMembership: number;
  matchingGrpc: number;
  matchingMembership: number;
  workerGrpc: number;
  workerMembership: number;
  /** Prometheus metrics of each service process. */
  metrics: Record<TemporalService, number>;
}

/** The server's usual ports: what `npm run cluster` uses (7233 is also the dev server's, so one at a time). */
export const DEFAULT_CLUSTER_PORTS: ClusterPorts = {
  frontendGrpc: 7233,
  frontendHttp: 7243,
  frontendMembership: 6933,
  historyGrpc: 7234,
  historyMembership: 6934,
  matchingGrpc: 7235,
  matchingMembership: 6935,
  workerGrpc: 7239,
  workerMembership: 6939,
  metrics: { frontend: 8000, history: 8001, matching: 8002, worker: 8003 },
};

/** True when 127.0.0.1:port can be bound right now. */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Free ports for every listener, for tests and benchmarks running beside anything else. Below 32768, not from
 * the OS's ephemeral range: the server stores membership ports in a PostgreSQL smallint.
 */
export async function freeClusterPorts(): Promise<ClusterPorts> {
  const taken = new Set<number>();
  const pick = async (): Promise<number> => {
    for (;;) {
      const port = 20_000 + Math.floor(Math.random() * 12_000);
      if (!taken.has(port) && (await canBind(port))) {
        taken.add(port);
        return port;
      }
    }
  };
  const ports = {} as Record<string, number>;
  for (const key of Object.keys(DEFAULT_CLUSTER_PORTS).filter((k) => k !== 'metrics')) ports[key] = await pick();
  const metrics = {} as Record<TemporalService, number>;
  for (const service of TEMPORAL_SERVICES) metrics[service] = await pick();
  return { ...(ports as unknown as Omit<ClusterPorts, 'metrics'>), metrics };
}

/** Replaces each `${NAME}` of the template (envsubst's syntax); a name without a value is an error, never an empty string. */
export function renderTemplate(template: string, values: Record<string, string | number>): string {
  const missing = new Set<string>();
  const rendered = template.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
    if (values[name] === undefined) missing.add(name);
    return String(values[name] ?? '');
  });
  if (missing.size) throw new Error(`no value for ${[...missing].join(', ')} in ${path.basename(CONFIG_TEMPLATE)}`);
  return rendered;
}

export interface ClusterOptions {
  binaries: ServerBinaries;
  postgres: PostgresServer;
  databases: TemporalDatabases;
  /** Fixed at the cluster's creation; must be the same for every later start on these databases. */
  historyShards: number;
  ports: ClusterPorts;
  /** Where the rendered configuration files go (they hold the database password: mode 0600). */
  configDir: string;
  namespace: string;
  logLevel?: string;
  /** Each output line of each service process. */
  onLine?: (service: TemporalService, line: string) => void;
}

export interface TemporalCluster {
  /** host:port of the frontend's gRPC endpoint: TEMPORAL_ADDRESS for workers, APIs and the CLI. */
  address: string;
  service(name: TemporalService): ManagedProcess;
  /** Stops one service (SIGKILL with `kill`, else SIGTERM) and starts it again with the same configuration. */
  restart(name: TemporalService, options?: { kill?: boolean; downMs?: number }): Promise<void>;
  /** Stops every service process (the frontend first, history last). */
  stop(): Promise<void>;
}

export function renderServiceConfig(options: ClusterOptions, service: TemporalService): string {
  const { ports, postgres } = options;
  const host = '127.0.0.1';
  return renderTemplate(fs.readFileSync(CONFIG_TEMPLATE, 'utf8'), {
    LOG_LEVEL: options.logLevel ?? 'warn',
    NUM_HISTORY_SHARDS: options.historyShards,
    TEMPORAL_DB: options.databases.temporal,
    VISIBILITY_DB: options.databases.visibility,
    POSTGRES_HOST: postgres.host,
    POSTGRES_PORT: postgres.port,
    POSTGRES_USER: postgres.user,
    POSTGRES_PASSWORD: postgres.password,
    MAX_CONNS: 20,
    BROADCAST_ADDRESS: host,
    BIND_ADDRESS: host,
    METRICS_PORT: ports.metrics[service],
    FRONTEND_GRPC_PORT: ports.frontendGrpc,
    FRONTEND_HTTP_PORT: ports.frontendHttp,
    FRONTEND_MEMBERSHIP_PORT: ports.frontendMembership,
    HISTORY_GRPC_PORT: ports.historyGrpc,
    HISTORY_MEMBERSHIP_PORT: ports.historyMembership,
    MATCHING_GRPC_PORT: ports.matchingGrpc,
    MATCHING_MEMBERSHIP_PORT: ports.matchingMembership,
    WORKER_GRPC_PORT: ports.workerGrpc,
    WORKER_MEMBERSHIP_PORT: ports.workerMembership,
    FRONTEND_ADDRESS: `${host}:${ports.frontendGrpc}`,
    FRONTEND_HTTP_ADDRESS: `${host}:${ports.frontendHttp}`,
    DYNAMIC_CONFIG_FILE: DYNAMIC_CONFIG,
  });
}

/** gRPC ALREADY_EXISTS. */
const ALREADY_EXISTS = 6;

/** Registers the namespace unless it exists, and waits until the frontend serves it. */
export async function ensureNamespace(connection: Connection, namespace: string): Promise<void> {
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs(`${NAMESPACE_RETENTION_DAYS} days`),
    });
  } catch (err) {
    if ((err as { code?: number }).code !== ALREADY_EXISTS) throw err;
  }
  await waitUntil(
    `namespace ${namespace}`,
    async () => {
      await connection.workflowService.describeNamespace({ namespace });
      return true;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}

/** Registers the search attributes and waits until the namespace lists every one of them. */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  await registerSearchAttributes(connection, namespace);
  await waitUntil(
    `the search attributes of ${namespace}`,
    async () => {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      return searchAttributeKeys.every((key) => customAttributes?.[key.name] !== undefined);
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}

/**
 * Starts the four services as separate processes on databases that setupTemporalDatabases prepared, waits
 * until the frontend answers, then makes sure the namespace and the search attributes exist.
 */
export async function startTemporalCluster(options: ClusterOptions): Promise<TemporalCluster> {
  fs.mkdirSync(options.configDir, { recursive: true });
  const address = `127.0.0.1:${options.ports.frontendGrpc}`;
  const processes = new Map<TemporalService, ManagedProcess>();
  const start = (service: TemporalService) => {
    const file = path.join(options.configDir, `${service}.yaml`);
    fs.writeFileSync(file, renderServiceConfig(options, service), { mode: 0o600 });
    const startOptions: StartOptions = { cwd: ROOT, onLine: (line) => options.onLine?.(service, line) };
    processes.set(
      service,
      startProcess(
        `temporal-${service}`,
        options.binaries.server,
        ['--config-file', file, '--allow-no-auth', 'start', '--service', service],
        startOptions,
      ),
    );
  };
  const grpcPort: Record<TemporalService, number> = {
    frontend: options.ports.frontendGrpc,
    history: options.ports.historyGrpc,
    matching: options.ports.matchingGrpc,
    worker: options.ports.workerGrpc,
  };
  const startAndListen = async (service: TemporalService) => {
    start(service);
    await waitUntil(`the Temporal ${service} service`, () => portInUse(grpcPort[service]), {
      timeoutMs: 60_000,
      process: processes.get(service),
      intervalMs: 200,
    });
  };
  const stop = async () => {
    for (const service of ['frontend', 'worker', 'matching', 'history'] as const)
      await processes.get(service)?.stop(15_000);
  };
  try {
    // One at a time, each once its gRPC port listens: on new databases the first one writes the cluster's
    // metadata, and services starting together race for that write (the losers exit).
    for (const service of TEMPORAL_SERVICES) await startAndListen(service);
    await waitUntil(
      `the Temporal frontend at ${address}`,
      async () => {
        const dead = [...processes.values()].find((p) => p.status);
        if (dead) throw new Error(`${dead.name} exited:\n${dead.tail()}`);
        const connection = await Connection.connect({ address, connectTimeout: '2s' });
        try {
          await connection.workflowService.getClusterInfo({});
          return true;
        } finally {
          await connection.close();
        }
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    const connection = await Connection.connect({ address });
    try {
      await ensureNamespace(connection, options.namespace);
      await ensureSearchAttributes(connection, options.namespace);
    } finally {
      await connection.close();
    }
  } catch (err) {
    const dead = [...processes.values()].filter((p) => p.status).map((p) => `--- ${p.name} ---\n${p.tail()}`);
    await stop();
    if (dead.length && err instanceof Error) err.message += `\n${dead.join('\n')}`;
    throw err;
  }
  return {
    address,
    service: (name) => processes.get(name)!,
    restart: async (name, { kill = false, downMs = 0 } = {}) => {
      const proc = processes.get(name)!;
      if (kill) proc.child.kill('SIGKILL');
      await proc.stop(kill ? 1_000 : 15_000);
      if (downMs) await new Promise((resolve) => setTimeout(resolve, downMs));
      await startAndListen(name);
    },
    stop,
  };
}

export interface ScratchCluster extends TemporalCluster {
  databases: TemporalDatabases;
  /** Stops the services, drops the databases and removes the configuration files. */
  stop(): Promise<void>;
}

/**
 * A cluster of its own for a test file or a benchmark run: fresh databases named after `label` (with a random
 * suffix) on the PostgreSQL of `postgresUrl`, 8 history shards, every port free; stop() leaves nothing behind.
 */
export async function startScratchCluster(options: {
  postgresUrl: string;
  label: string;
  logLevel?: string;
  onLine?: ClusterOptions['onLine'];
}): Promise<ScratchCluster> {
  const postgres = postgresServerOf(options.postgresUrl);
  const suffix = `${options.label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(3).toString('hex')}`;
  const databases = { temporal: `temporal_${suffix}`, visibility: `temporal_visibility_${suffix}` };
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-config-'));
  let cluster: TemporalCluster | undefined;
  const cleanUp = async () => {
    await cluster?.stop();
    for (const name of [databases.temporal, databases.visibility])
      await dropDatabase(postgresUrl(postgres, 'postgres'), name);
    fs.rmSync(configDir, { recursive: true, force: true });
  };
  try {
    const binaries = ensureServerBinaries((line) => process.stderr.write(`${line}\n`));
    await setupTemporalDatabases(binaries.sqlTool, postgres, databases, () => undefined);
    cluster = await startTemporalCluster({
      binaries,
      postgres,
      databases,
      historyShards: 8,
      ports: await freeClusterPorts(),
      configDir,
      namespace: 'default',
      logLevel: options.logLevel,
      onLine: options.onLine,
    });
    return { ...cluster, databases, stop: cleanUp };
  } catch (err) {
    await cleanUp();
    throw err;
  }
}
