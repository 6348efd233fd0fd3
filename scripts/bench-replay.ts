/**
 * `npm run bench:replay`: what the workflow code costs the worker, without a server, a database or a network.
 * Replays the saved cancellation histories (test/workflow/histories, every way a cancellation ends) in this
 * process, BENCH_REPLAY_ROUNDS (20) times each, once per stack-trace limit of BENCH_REPLAY_LIMITS
 * (`10,6,4,0,10,6,4,0`: V8's default, the worker's default, fewer, none; worker/workflow-bundle.ts). Prints the CPU
 * milliseconds per replayed history and writes them to bench/results/<date>-replay-<limits>.json (one limit per run, alternating, gives the steadiest figures); reports, never fails
 * on a timing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { withStackTraceLimit } from '../worker/workflow-bundle';
import { bundleWorkflows } from '../test/helpers/temporal';

const ROUNDS = Number(process.env.BENCH_REPLAY_ROUNDS ?? 20);
const LIMITS = (process.env.BENCH_REPLAY_LIMITS ?? '10,6,4,0,10,6,4,0').split(',').map(Number);
const HISTORIES = path.join(__dirname, '..', 'test', 'workflow', 'histories');

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const files = fs.readdirSync(HISTORIES).filter((f) => f.endsWith('.json') && !f.startsWith('outbox'));
  const histories = files.map((f) => historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORIES, f), 'utf8'))));
  const bundle = await bundleWorkflows(); // the worker's own bundle; each limit below replaces its prelude
  console.log(`${histories.length} cancellation histories, ${ROUNDS} rounds per limit`);
  console.log('| Stack-trace limit | Histories | ms CPU each | ms wall each |');
  console.log('|-------------------|-----------|-------------|--------------|');
  const rows: { limit: number; histories: number; cpuMsEach: number; wallMsEach: number }[] = [];
  // One round first, not counted: the first limit measured would otherwise pay for warming the JIT up.
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: withStackTraceLimit(bundle, LIMITS[0]) },
    histories.map((history, i) => ({ workflowId: `warm-up-${i}`, history })),
  ))
    if (result.error) throw new Error(`${result.workflowId} did not replay: ${result.error.message}`);
  for (const limit of LIMITS) {
    const items = Array.from({ length: ROUNDS }, (_, round) =>
      histories.map((history, i) => ({ workflowId: `replay-${round}-${i}`, history })),
    ).flat();
    const cpu = process.cpuUsage();
    const start = performance.now();
    let replayed = 0;
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: withStackTraceLimit(bundle, limit) },
      items,
    )) {
      if (result.error) throw new Error(`${result.workflowId} did not replay: ${result.error.message}`);
      replayed++;
    }
    const wall = (performance.now() - start) / replayed;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000 / replayed;
    rows.push({ limit, histories: replayed, cpuMsEach: cpuMs, wallMsEach: wall });
    console.log(
      `| ${String(limit).padEnd(17)} | ${String(replayed).padStart(9)} | ${cpuMs.toFixed(2).padStart(11)} | ${wall.toFixed(2).padStart(12)} |`,
    );
  }
  const date = new Date().toISOString();
  const file = path.join(__dirname, '..', 'bench', 'results', `${date.slice(0, 10)}-replay-${LIMITS.join('_')}.json`);
  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version };
  const report = { date, machine, rounds: ROUNDS, cancellationHistories: histories.length, rows };
  fs.writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  console.log(`written ${path.relative(process.cwd(), file)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
