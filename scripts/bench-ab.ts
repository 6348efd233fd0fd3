/**
 * `npm run bench:ab`: two variants of the stack measured by the same benchmark, alternating, several rounds,
 * and compared with the spread between runs of each (scripts/bench/compare.ts). On this shared 2-core machine
 * one pair of runs cannot tell a change of a few per cent from noise; this can say when it cannot either.
 *
 * - BENCH_AB_A, BENCH_AB_B: each variant's environment, `KEY=VALUE` pairs separated by spaces (empty: as is).
 *   It reaches the benchmark (e.g. `BENCH_MAX_CACHED_WORKFLOWS=2500`; `BENCH_DEV_SERVER_ARGS`: more arguments
 *   for the dev server, e.g. `--sqlite-pragma=cache_size=-65536`; several, with spaces: give the variant as JSON,
 *   `{"BENCH_DEV_SERVER_ARGS": "--a=1 --b=2"}`) and, through it, the worker and the API (e.g.
 *   `WORKER_WORKFLOW_STACK_TRACE_LIMIT=10`).
 * - BENCH_AB_NAMES (`A,B`), BENCH_AB_ROUNDS (3): rounds of one run each, in the order A B, B A, A B, …
 * - The runs' size: BENCH_CLIENTS (8), BENCH_REQUESTS (300), BENCH_PENDING (2000), BENCH_BURST (2000) unless set.
 *
 * The benchmark sets the stack's NODE_ENV, LOG_LEVEL and DATABASE_URL itself, and BENCH_MAX_CACHED_WORKFLOWS (not
 * WORKER_MAX_CACHED_WORKFLOWS) sizes the worker's cache. BENCH_DEV_SERVER_ARGS is ignored on the cluster.
 *
 * Writes each run's results file (`…-ab-<hhmm>-<name>-<round>.json`) and `bench/results/<date>-ab-<hhmm>-<a>-vs-<b>.json`;
 * reports, never fails on a timing (it exits non-zero only when a run fails).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { compare, comparisonTable, measuresOf, type BenchResult } from './bench/compare';

const ROOT = path.join(__dirname, '..');
const ROUNDS = Number(process.env.BENCH_AB_ROUNDS || 3);
const [NAME_A, NAME_B] = (process.env.BENCH_AB_NAMES || 'A,B').split(',').map((n) => n.trim().replace(/[^\w.-]/g, '_'));
const relative = (f: string) => path.relative(ROOT, f);
const SIZE = { BENCH_CLIENTS: '8', BENCH_REQUESTS: '300', BENCH_PENDING: '2000', BENCH_BURST: '2000' };

/**
 * `KEY=VALUE KEY2=VALUE2` as an environment (a value may contain `=` but no space), or a JSON object of
 * strings for values with spaces: `{"BENCH_DEV_SERVER_ARGS": "--sqlite-pragma a=1 --sqlite-pragma b=2"}`.
 */
export function parseAssignments(text: string): Record<string, string> {
  if (text.trim().startsWith('{')) {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object' || Object.values(parsed).some((v) => typeof v !== 'string'))
      throw new Error('expected a JSON object of strings');
    return parsed as Record<string, string>;
  }
  const env: Record<string, string> = {};
  for (const pair of text.split(' ').filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`expected KEY=VALUE, got "${pair}"`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}

/** The results file a benchmark run names on stderr (`[bench] written bench/results/….json; the whole run …`). */
export function resultsFileOf(stderr: string): string | undefined {
  return /^\[bench\] written (\S+\.json);/m.exec(stderr)?.[1];
}

function runBench(label: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/bench.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...env, BENCH_LABEL: label },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The benchmark names its results file on stderr ("[bench] written …"): both streams are read.
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => process.stdout.write(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk;
      process.stderr.write(chunk);
    });
    child.on('error', reject);
    // 'close': both streams read to their end.
    child.on('close', (code, signal) => {
      const written = resultsFileOf(out);
      if (code === 0 && written) resolve(path.join(ROOT, written));
      else if (code === 0) reject(new Error(`the benchmark run ${label} named no results file`));
      else reject(new Error(`the benchmark run ${label} ended with ${signal ?? `exit code ${code}`}`));
    });
  });
}

async function main(): Promise<void> {
  if (!NAME_A || !NAME_B || NAME_A === NAME_B) throw new Error('BENCH_AB_NAMES: two different names, e.g. base,cache');
  if (!Number.isInteger(ROUNDS) || ROUNDS < 3)
    throw new Error('BENCH_AB_ROUNDS: 3 or more (two runs give no usable spread)');
  const size = Object.fromEntries(Object.entries(SIZE).map(([k, v]) => [k, process.env[k] || v]));
  const variants = {
    [NAME_A]: { ...size, ...parseAssignments(process.env.BENCH_AB_A ?? '') },
    [NAME_B]: { ...size, ...parseAssignments(process.env.BENCH_AB_B ?? '') },
  };
  // The runs' labels carry the hour and minute: a second comparison the same day writes files of its own.
  const stamp = new Date().toISOString().slice(11, 16).replace(':', '');
  const files: Record<string, string[]> = { [NAME_A]: [], [NAME_B]: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? [NAME_A, NAME_B] : [NAME_B, NAME_A];
    for (const name of order) {
      process.stdout.write(`[bench:ab] round ${round} of ${ROUNDS}: ${name}\n`);
      try {
        files[name].push(await runBench(`ab-${stamp}-${name}-${round}`, variants[name]));
      } catch (err) {
        const done = Object.values(files).flat().map(relative);
        throw new Error(
          `${err instanceof Error ? err.message : String(err)}; runs written so far: ${done.join(', ') || 'none'}`,
        );
      }
    }
  }
  const read = (f: string) => JSON.parse(fs.readFileSync(f, 'utf8')) as BenchResult;
  const results = { a: files[NAME_A].map(read), b: files[NAME_B].map(read) };
  // The levels each run measured (a variant may set BENCH_CLIENTS of its own; a level one side lacks is skipped).
  const levels = [...new Set([...results.a, ...results.b].flatMap((r) => r.settings?.levels ?? []))];
  const rows = compare(results.a, results.b, measuresOf(levels));
  const table = comparisonTable(rows, { a: NAME_A, b: NAME_B });
  process.stdout.write(`\n${table}\n`);
  const date = new Date().toISOString();
  const out = path.join(ROOT, 'bench', 'results', `${date.slice(0, 10)}-ab-${stamp}-${NAME_A}-vs-${NAME_B}.json`);
  const report = {
    date,
    rounds: ROUNDS,
    variants,
    runs: { [NAME_A]: files[NAME_A].map(relative), [NAME_B]: files[NAME_B].map(relative) },
    comparisons: rows,
  };
  fs.writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(`[bench:ab] written ${relative(out)}\n`);
}

if (require.main === module)
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
