/**
 * `npm start`: the whole stack on one machine, on embedded defaults.
 *
 *   1. the Temporal binaries (scripts/temporal-binaries.ts), then, unless TEMPORAL_ADDRESS is set, the
 *      dev server on 127.0.0.1:7233 with its UI on 8233 and its state in .data/temporal.db;
 *   2. the database migrated (DATABASE_URL, default file:./.data/dev.db) and, when it holds no
 *      account, the demo fixture;
 *   3. the worker and the API as child processes, each in its own process group;
 *   4. the addresses and demo tokens once both answer /readyz.
 *
 * Ctrl-C or SIGTERM stops every child and waits for it. If any child dies, everything stops and the
 * exit code is non-zero.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadApiConfig, loadWorkerConfig } from '../config';
import { parseDatabaseUrl } from '../db/url';
import { DEMO_TOKENS } from './demo-fixture';
import { sayDemoPortalLinks } from './lib/portal-links';
import { portInUse, waitForHttpOk } from './lib/processes';
import { demoOutbound, prepareAppDatabase, sayDemoTokens, supervise } from './lib/supervisor';
import { startDevServer, waitForTemporal } from './lib/temporal-dev-server';
import { ensureTemporalBinaries } from './temporal-binaries';

const ROOT = path.resolve(__dirname, '..');
const DATA_DIR = path.join(ROOT, '.data');
const TEMPORAL_PORT = 7233;
const TEMPORAL_UI_PORT = 8233;
const READY_TIMEOUT_MS = 180_000;

const say = (line = '') => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  // Both processes' configuration is checked before anything starts, naming any bad variable.
  const apiConfig = loadApiConfig();
  const workerConfig = loadWorkerConfig();
  const externalTemporal = Boolean(process.env.TEMPORAL_ADDRESS);
  const target = parseDatabaseUrl(apiConfig.DATABASE_URL);
  // Children get an absolute SQLite path, so the file is the same whatever their working directory.
  const databaseUrl = target.kind === 'sqlite' ? `file:${target.location}` : apiConfig.DATABASE_URL;

  const busy: string[] = [];
  const ports: [string, number][] = [
    ['PORT (API)', apiConfig.PORT],
    ['WORKER_HTTP_PORT', workerConfig.WORKER_HTTP_PORT],
  ];
  if (workerConfig.WORKER_SDK_METRICS_PORT)
    ports.push(['WORKER_SDK_METRICS_PORT', workerConfig.WORKER_SDK_METRICS_PORT]);
  if (!externalTemporal) ports.push(['Temporal frontend', TEMPORAL_PORT], ['Temporal UI', TEMPORAL_UI_PORT]);
  for (const [what, port] of ports) if (await portInUse(port)) busy.push(`${what} ${port}`);
  if (busy.length) {
    process.stderr.write(
      `Already in use: ${busy.join(', ')}. Stop whatever listens there (another \`npm start\`?), ` +
        'or choose other ports with PORT / WORKER_HTTP_PORT / WORKER_SDK_METRICS_PORT (and TEMPORAL_ADDRESS for ' +
        'an existing server).\n',
    );
    return 1;
  }

  const supervisor = supervise(say, (child) => child.name === 'temporal');
  const { watch } = supervisor;

  // Each step checks `stopping()`: a Ctrl-C during start-up skips the rest, and the supervisor does the rest.
  const startUp = async () => {
    const { cli } = ensureTemporalBinaries(say);
    let temporalAddress = workerConfig.TEMPORAL_ADDRESS;
    if (!externalTemporal) {
      fs.mkdirSync(DATA_DIR, { recursive: true });
      const logFile = path.join(DATA_DIR, 'temporal.log');
      const log = fs.createWriteStream(logFile, { flags: 'a' });
      temporalAddress = `127.0.0.1:${TEMPORAL_PORT}`;
      say(`Starting the Temporal dev server on ${temporalAddress} (log: ${path.relative(ROOT, logFile)})…`);
      const temporal = watch(
        startDevServer(
          { cli, port: TEMPORAL_PORT, uiPort: TEMPORAL_UI_PORT, dbFile: path.join(DATA_DIR, 'temporal.db') },
          { cwd: ROOT, onLine: (line) => log.write(`${line}\n`) },
        ),
      );
      await waitForTemporal(temporalAddress, workerConfig.TEMPORAL_NAMESPACE, {
        timeoutMs: 60_000,
        process: temporal,
        signal: supervisor.signal,
      });
    }
    if (supervisor.stopping()) return;

    say(`Migrating ${target.kind === 'sqlite' ? path.relative(ROOT, target.location) : 'the PostgreSQL database'}…`);
    await prepareAppDatabase(databaseUrl, say);
    if (supervisor.stopping()) return;

    // E-mails and webhooks (API.md v1.2): a local mail sink unless SMTP_URL is set; receivers on this machine.
    const outbound = await demoOutbound(DATA_DIR);
    const env = { ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress, ...outbound.env };
    const start = (name: string, entry: string) => supervisor.startNode(name, entry, env);
    const worker = start('worker', 'worker/main.ts');
    const api = start('api', 'api/main.ts');
    const apiUrl = `http://127.0.0.1:${apiConfig.PORT}`;
    const workerUrl = `http://127.0.0.1:${workerConfig.WORKER_HTTP_PORT}`;
    await Promise.all([
      waitForHttpOk(`${workerUrl}/readyz`, {
        timeoutMs: READY_TIMEOUT_MS,
        process: worker,
        signal: supervisor.signal,
      }),
      waitForHttpOk(`${apiUrl}/readyz`, { timeoutMs: READY_TIMEOUT_MS, process: api, signal: supervisor.signal }),
    ]);
    if (supervisor.stopping()) return;

    say('');
    say('The stack is ready.');
    say(`  API:          ${apiUrl}`);
    say(`  API docs:     ${apiUrl}/docs`);
    say(`  Worker:       ${workerUrl}/readyz`);
    say(`  Metrics:      ${apiUrl}/metrics  ${workerUrl}/metrics`);
    say(outbound.mailLine);
    say(
      `  Temporal UI:  ${externalTemporal ? `(the UI of ${temporalAddress})` : `http://127.0.0.1:${TEMPORAL_UI_PORT}`}`,
    );
    // Our own dev server registers them at launch; another server needs them registered once.
    if (externalTemporal) say('  (Search attributes on that server: `npm run temporal:search-attributes`, once.)');
    sayDemoTokens(say);
    await sayDemoPortalLinks(say, apiUrl);
    say('  Try:');
    say(
      `    curl -s -X POST ${apiUrl}/v1/cancellations -H 'Authorization: Bearer ${DEMO_TOKENS.acmeBillingAdmin}' ` +
        `-H 'Content-Type: application/json' -d '{"subscriptionId":"sub_acme_meeting"}'`,
    );
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
    process.stderr.write(`${err instanceof ConfigError || !(err instanceof Error) ? String(err) : err.stack}\n`);
    process.exit(1);
  },
);
