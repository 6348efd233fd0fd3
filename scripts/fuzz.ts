/**
 * `npm run test:fuzz`: the conformance fuzz pass. Schemathesis (PyPI, pinned, installed into .venv
 * beside the Temporal binaries) generates requests from GET /openapi.json and checks every answer
 * against the document (`--checks all`: no 5xx, declared statuses, headers and schemas, invalid
 * input refused, valid input accepted, 405 with `Allow`, auth enforced), then runs the stateful
 * phase (sequences of calls following the responses).
 *
 * The stack is real and throwaway: a Temporal dev server (in memory), the worker and the API as
 * processes (`node --import tsx`, as scripts/dev.ts runs them) on free ports, a temporary SQLite
 * database with the demo fixture (scripts/demo-fixture.ts). One pass per kind of caller: a customer
 * user (every operation) and a support agent (the operations support may call).
 *
 * Exits non-zero on any failure Schemathesis reports, and on any error the API logged (every 5xx is
 * logged). FUZZ_SEED and FUZZ_MAX_EXAMPLES override the fixed seed and the examples per operation;
 * FUZZ_ARGS adds arguments to `schemathesis run` (e.g. `--report har` to see every exchange).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb } from '../db/client';
import { loadFixture, parseFixture, type FixtureInput } from '../db/fixtures';
import { buildDemoFixture, DEMO_TOKENS } from './demo-fixture';
import { migrateDatabase } from './lib/migrate';
import { freePort, startProcess, waitForHttpOk, type ManagedProcess } from './lib/processes';
import { startDevServer, waitForTemporal } from './lib/temporal-dev-server';
import { ensureTemporalBinaries } from './temporal-binaries';

const SCHEMATHESIS = 'schemathesis==4.32.5';
const ROOT = path.resolve(__dirname, '..');
const VENV = path.join(ROOT, '.venv');
const SEED = process.env.FUZZ_SEED ?? '20261126';
const MAX_EXAMPLES = process.env.FUZZ_MAX_EXAMPLES ?? '270';
/** A pass that has not finished by then has hung: it is stopped and counts as a failure. */
const PASS_TIMEOUT_MS = 15 * 60_000;

const say = (line = '') => process.stdout.write(`${line}\n`);

/** Schemathesis' process group while a pass runs, so a signal can stop it with the stack. */
let running: number | undefined;

/** `.venv/bin/schemathesis` at the pinned version, installed into the project's virtualenv if missing. */
function ensureSchemathesis(): string {
  const bin = path.join(VENV, 'bin', 'schemathesis');
  const version = SCHEMATHESIS.split('==')[1];
  const installed = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (installed.status === 0 && installed.stdout.includes(version)) return bin;
  say(`Installing ${SCHEMATHESIS} into .venv (one time)…`);
  const pip = path.join(VENV, 'bin', 'pip');
  if (!fs.existsSync(pip)) run('python3', ['-m', 'venv', VENV]);
  run(pip, ['install', '--quiet', '--disable-pip-version-check', SCHEMATHESIS]);
  return bin;
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
}

interface Pass {
  name: string;
  token: string;
  /** Extra `schemathesis run` arguments, e.g. operation filters. */
  args: string[];
}

const PASSES: Pass[] = [
  { name: 'customer user', token: DEMO_TOKENS.acmeBillingAdmin, args: [] },
  {
    name: 'support agent',
    token: DEMO_TOKENS.supportAgent,
    // Every /v1 operation support may call; the user-only ones answer support 403 and were fuzzed above.
    args: ['--include-path-regex', '^/v1/', '--exclude-operation-id', 'createCancellation'],
  },
];

/**
 * Schemathesis' configuration: the demo fixture's ids as dictionaries drawn half the time for the
 * parameters that name them (the other half is generated), so requests reach real subscriptions,
 * accounts and, through them, workflows, instead of answering 404 to every generated id.
 */
function fuzzConfig(fixture: FixtureInput): string {
  const accounts = (fixture.accounts ?? []).map((a) => a.id);
  const subscriptions = (fixture.accounts ?? []).flatMap((a) => (a.subscriptions ?? []).map((s) => s.id));
  const list = (values: string[]) => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
  const bind = (dictionary: string) => `{ dictionary = "${dictionary}", probability = 0.5 }`;
  return [
    '[dictionaries.accounts]',
    `values = ${list(accounts)}`,
    '[dictionaries.subscriptions]',
    `values = ${list(subscriptions)}`,
    '[parameters]',
    `"body.subscriptionId" = ${bind('subscriptions')}`,
    `"body.accountId" = ${bind('accounts')}`,
    `"query.subscriptionId" = ${bind('subscriptions')}`,
    `"query.accountId" = ${bind('accounts')}`,
    '[[operations]]',
    'include-path-regex = "^/v1/subscriptions/"',
    `parameters = { "path.id" = ${bind('subscriptions')} }`,
    '[[operations]]',
    'include-path-regex = "^/v1/accounts/"',
    `parameters = { "path.id" = ${bind('accounts')} }`,
    '',
  ].join('\n');
}

/** Runs one Schemathesis pass; resolves with its exit code and the "N test cases" it reported. */
function schemathesis(bin: string, apiUrl: string, pass: Pass, configFile: string, reportDir: string) {
  const args = [
    '--config-file',
    configFile,
    'run',
    `${apiUrl}/openapi.json`,
    '--checks',
    'all',
    // Replaced by scripts/fuzz_hooks.py's positive_data_acceptance_per_contract (the same check, with the
    // contract's state-dependent refusals of valid data told apart by their error code).
    '--exclude-checks',
    'positive_data_acceptance',
    '--phases',
    'examples,coverage,fuzzing,stateful',
    '--seed',
    SEED,
    '--max-examples',
    MAX_EXAMPLES,
    // One worker: Hypothesis on Python 3.11 is not safe to run from several threads ("AST constructor
    // recursion depth mismatch"), and the machine has two cores for the whole stack anyway.
    '--workers',
    '1',
    '--header',
    `Authorization: Bearer ${pass.token}`,
    '--generation-database',
    'none',
    '--request-timeout',
    '30',
    '--no-color',
    '--report',
    'junit',
    '--report-dir',
    reportDir,
    ...pass.args,
    ...(process.env.FUZZ_ARGS ? process.env.FUZZ_ARGS.split(' ') : []),
  ];
  say(`\n==> Schemathesis, as a ${pass.name}: schemathesis ${args.join(' ').replace(pass.token, '<token>')}`);
  return new Promise<{ code: number; cases: number }>((resolve) => {
    const child = spawn(bin, args, {
      // Its cache (.schemathesis/) goes to the throwaway directory, not the repository.
      cwd: path.dirname(configFile),
      env: { ...process.env, PYTHONPATH: path.join(ROOT, 'scripts'), SCHEMATHESIS_HOOKS: 'fuzz_hooks' },
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    running = child.pid;
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    });
    const timer = setTimeout(() => {
      say(`\nSchemathesis did not finish within ${PASS_TIMEOUT_MS / 60_000} minutes: stopping it.`);
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, PASS_TIMEOUT_MS);
    child.on('exit', (code) => {
      running = undefined;
      clearTimeout(timer);
      // "Test cases:" line of the summary, e.g. "Test cases:\n  4821 generated, 4821 passed".
      const cases = /(\d+) generated/.exec(output);
      resolve({ code: code ?? 1, cases: cases ? Number(cases[1]) : 0 });
    });
  });
}

async function main(): Promise<number> {
  const started = Date.now();
  const { cli } = ensureTemporalBinaries(say);
  const bin = ensureSchemathesis();

  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cancel-fuzz-'));
  const databaseUrl = `file:${path.join(workDir, 'fuzz.db')}`;
  const processes: ManagedProcess[] = [];
  const apiLines: string[] = [];
  let failed = false;
  // SIGTERM (CI's timeout) or Ctrl-C: stop Schemathesis and the stack rather than leave them behind.
  const onSignal = (signal: NodeJS.Signals) => {
    say(`\n${signal}: stopping the fuzz pass…`);
    if (running) process.kill(-running, 'SIGKILL');
    void Promise.all(processes.map((p) => p.stop(5_000))).finally(() => process.exit(1));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await migrateDatabase(databaseUrl);
    const fixture = buildDemoFixture();
    const { db } = createDb(databaseUrl);
    try {
      await loadFixture(db, parseFixture(fixture));
    } finally {
      await db.$disconnect();
    }
    const configFile = path.join(workDir, 'schemathesis.toml');
    fs.writeFileSync(configFile, fuzzConfig(fixture));

    const temporalPort = await freePort();
    const temporalAddress = `127.0.0.1:${temporalPort}`;
    const temporal = startDevServer({ cli, port: temporalPort });
    processes.push(temporal);
    await waitForTemporal(temporalAddress, 'default', { timeoutMs: 60_000, process: temporal });

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: `fuzz-${randomBytes(4).toString('hex')}`,
      LOG_LEVEL: 'info',
    };
    const apiPort = await freePort();
    const workerPort = await freePort();
    const start = (name: string, entry: string, ports: Record<string, number>, onLine: (line: string) => void) => {
      const log = fs.createWriteStream(path.join(workDir, `${name}.log`));
      const proc = startProcess(name, process.execPath, ['--import', 'tsx', path.join(ROOT, entry)], {
        cwd: ROOT,
        env: { ...env, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) },
        onLine: (line) => {
          log.write(`${line}\n`);
          onLine(line);
        },
      });
      processes.push(proc);
      return proc;
    };
    const worker = start(
      'worker',
      'worker/main.ts',
      { WORKER_HTTP_PORT: workerPort, WORKER_SDK_METRICS_PORT: await freePort() },
      () => {},
    );
    const api = start('api', 'api/main.ts', { PORT: apiPort }, (line) => apiLines.push(line));
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    say('Starting Temporal, the worker and the API…');
    await Promise.all([
      waitForHttpOk(`http://127.0.0.1:${workerPort}/readyz`, { timeoutMs: 180_000, process: worker }),
      waitForHttpOk(`${apiUrl}/readyz`, { timeoutMs: 180_000, process: api }),
    ]);

    let cases = 0;
    for (const pass of PASSES) {
      const reportDir = path.join(workDir, pass.name.replace(/\W+/g, '-'));
      const result = await schemathesis(bin, apiUrl, pass, configFile, reportDir);
      cases += result.cases;
      if (result.code !== 0) failed = true;
    }

    // Every 5xx the API answers is logged as an error: none may have happened, whatever was checked.
    const errors = apiLines.filter((line) => {
      try {
        return (JSON.parse(line) as { level?: number }).level! >= 50;
      } catch {
        return false;
      }
    });
    if (errors.length) {
      failed = true;
      say(`\nThe API logged ${errors.length} error(s), e.g.:\n${errors.slice(0, 5).join('\n')}`);
    }
    const seconds = Math.round((Date.now() - started) / 1000);
    say(
      `\n==> Fuzz pass ${failed ? 'FAILED' : 'passed'}: ${cases} test cases in ${PASSES.length} passes, ` +
        `seed ${SEED}, ${seconds} s in all.`,
    );
    if (failed) say(`Logs and JUnit reports kept in ${workDir}`);
  } catch (err) {
    failed = true;
    say(`\n${err instanceof Error ? err.message : String(err)}`);
    say(`Logs kept in ${workDir}`);
  } finally {
    // The server last: the worker may need it to stop cleanly.
    const temporal = processes.shift();
    await Promise.all(processes.map((p) => p.stop(10_000)));
    await temporal?.stop(10_000);
    if (!failed) fs.rmSync(workDir, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
