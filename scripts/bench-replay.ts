/**
 * `npm run bench:replay`: what the workflow code costs the worker, without a server, a database or a network.
 * Replays the saved cancellation histories (test/workflow/histories, every way a cancellation ends) in this
 * process, BENCH_REPLAY_ROUNDS (20) times each, once per stack-trace limit of BENCH_REPLAY_LIMITS
 * (`10,4,0,10,4,0`: V8's default, the worker's default, none; worker/workflow-bundle.ts). Prints the CPU
 * milliseconds per replayed history; reports, never fails on a timing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { withStackTraceLimit } from '../worker/workflow-bundle';

const ROUNDS = Number(process.env.BENCH_REPLAY_ROUNDS ?? 20);
const LIMITS = (process.env.BENCH_REPLAY_LIMITS ?? '10,4,0,10,4,0').split(',').map(Number);
const HISTORIES = path.join(__dirname, '..', 'test', 'workflow', 'histories');
const noop = () => undefined;

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const files = fs.readdirSync(HISTORIES).filter((f) => f.endsWith('.json') && !f.startsWith('outbox'));
  const histories = files.map((f) => historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORIES, f), 'utf8'))));
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    logger: { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop },
  });
  console.log(`${histories.length} cancellation histories, ${ROUNDS} rounds per limit`);
  console.log('| Stack-trace limit | Histories | ms CPU each | ms wall each |');
  console.log('|-------------------|-----------|-------------|--------------|');
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
    console.log(
      `| ${String(limit).padEnd(17)} | ${String(replayed).padStart(9)} | ${cpuMs.toFixed(2).padStart(11)} | ${wall.toFixed(2).padStart(12)} |`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
