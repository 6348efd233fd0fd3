/**
 * `npm run bench`: one run, one table (README "Performance", docs/capacity.md). On a Temporal dev server
 * with a state file and the built worker and API as separate processes (scripts/bench/stack.ts):
 *
 *   1. the ceiling: Update-with-Start of a workflow that answers and returns (no activity, no database),
 *      from this process, at 1, 8 and 32 concurrent clients;
 *   2. the API: POST /v1/cancellations through autocannon at the same concurrency, alternating with (1)
 *      so both see the same server state; accepted per second, p50/p95/p99, ratio to the ceiling, CPU;
 *   3. BENCH_PENDING (10,000) cancellations waiting, started through the Temporal client: worker RSS and
 *      CPU while they wait (cache bounded by WORKER_MAX_CACHED_WORKFLOWS), bytes per cancellation in the
 *      server's and the application's database;
 *   4. a month-end burst: BENCH_BURST (2,000) of them due at one instant: time to the first and the last
 *      `completed`, deactivations per second, the worker's peak memory and CPU, and its cache misses.
 *
 * Results go to bench/results/<date>.json with the machine's description. Numbers are reported, never
 * a reason to fail.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { submitCancellation } from '../api/workflow-client';
import { seedBench, type BenchSubscription } from './bench/fixtures';
import { closedLoop, httpLoad, type LoadResult } from './bench/load';
import {
  cpuPercent,
  cpuSample,
  cpuSampleOf,
  machine,
  machineBusyPercent,
  machineSample,
  rssMb,
} from './bench/proc-stats';
import { startBenchStack, type BenchStack } from './bench/stack';
import { isWorkerScript, WORKER_SCRIPTS } from './lib/worker-runtime';
import { answerUpdate, ceilingWorkflow } from './bench/ceiling-workflow';
import { DEFAULT_WORKFLOW_STACK_TRACE_LIMIT } from '../worker/workflow-bundle';

const LEVELS = (process.env.BENCH_CLIENTS ?? '1,8,32').split(',').map(Number);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 400);
const PENDING = Number(process.env.BENCH_PENDING ?? 10_000);
const BURST = Math.min(PENDING, Number(process.env.BENCH_BURST ?? 2_000));
const ENGINE = process.env.BENCH_ENGINE ?? 'dev';
const WORKER_SCRIPT = process.env.BENCH_WORKER_SCRIPT ?? 'start:worker';
const CACHE = Number(process.env.BENCH_MAX_CACHED_WORKFLOWS ?? process.env.WORKER_MAX_CACHED_WORKFLOWS ?? 500);
const ROOT = path.resolve(__dirname, '..');
const DAY = 86_400_000;

const requestsAt = (clients: number) => (clients === 1 ? Math.ceil(REQUESTS / 4) : REQUESTS);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Where the CPU went during a measurement: each process's share of one core, and how busy the whole machine
 * was (its cores together, every process included: the load generators and the ceiling's worker too).
 */
interface CpuShares {
  api: number;
  worker: number;
  server: number;
  machineBusy: number;
  /** How long the measurement lasted. */
  seconds: number;
}

/** CPU milliseconds per unit of work (an accepted request, a deactivation), by process. */
interface CpuMsEach {
  api: number;
  worker: number;
  server: number;
  total: number;
}

interface LevelResult {
  clients: number;
  ceiling: LoadResult & { cpu: CpuShares };
  /** `apiCpuPercent` and `workerCpuPercent` repeat `cpu.api` and `cpu.worker`, as results files before 2026-12-07 had them. */
  api: LoadResult & { apiCpuPercent: number; workerCpuPercent: number; cpu: CpuShares; cpuMsPerRequest: CpuMsEach };
  ratio: number;
  p99Ratio: number;
}

/** Starts a CPU measurement of the stack's processes and of the machine; the function returned ends it. */
function cpuProbe(stack: BenchStack): () => CpuShares {
  const groups = { api: [stack.api.child.pid!], worker: [stack.worker.child.pid!], server: stack.temporalPids() };
  const names = Object.keys(groups) as (keyof typeof groups)[];
  const started = Date.now();
  const before = names.map((name) => cpuSampleOf(groups[name]));
  const busy = machineSample();
  return () => {
    const shares = names.map((name, i) => [name, round(cpuPercent(before[i], cpuSampleOf(groups[name])))]);
    return {
      ...(Object.fromEntries(shares) as Record<keyof typeof groups, number>),
      machineBusy: round(machineBusyPercent(busy, machineSample())),
      seconds: round((Date.now() - started) / 1000, 2),
    };
  };
}

/** Each share of one core, held for the measurement's length, spread over `count` units of work: ms each. */
function cpuMsEach(cpu: CpuShares, count: number): CpuMsEach {
  const each = (percent: number) => round((percent * 10 * cpu.seconds) / Math.max(count, 1));
  return {
    api: each(cpu.api),
    worker: each(cpu.worker),
    server: each(cpu.server),
    total: each(cpu.api + cpu.worker + cpu.server),
  };
}

/** Sums of the worker's metrics matching each pattern (all label sets together). */
async function scrape<K extends string>(url: string, patterns: Record<K, RegExp>): Promise<Record<K, number>> {
  const text = await (await fetch(url)).text();
  const out = Object.fromEntries(Object.keys(patterns).map((k) => [k, 0])) as Record<K, number>;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const name = line.split(/[{ ]/)[0];
    for (const key of Object.keys(patterns) as K[])
      if (patterns[key].test(name)) out[key] += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return out;
}

/**
 * The SDK's cache figures: a cache miss is a workflow task for a workflow no longer in the cache, which then
 * replays its history. `replays` is the SDK's replay-latency histogram as reported (it counted about two
 * tasks per deactivation with or without cache misses), kept in the results file for reference.
 */
const REPLAY_METRICS = {
  cacheMisses: /^temporal_sticky_cache_miss/,
  replays: /^temporal_workflow_task_replay_latency\w*_count$/,
  replaySeconds: /^temporal_workflow_task_replay_latency\w*_sum$/,
};

async function measureLevels(stack: BenchStack, apiSubs: BenchSubscription[]): Promise<LevelResult[]> {
  const ceilingQueue = 'bench-ceiling';
  const connection = await NativeConnection.connect({ address: stack.address });
  const worker = await Worker.create({
    connection,
    taskQueue: ceilingQueue,
    workflowsPath: require.resolve('./bench/ceiling-workflow'),
  });
  const running = worker.run();
  const ceilingOnce = (id: string) =>
    stack.client.workflow.executeUpdateWithStart(answerUpdate, {
      startWorkflowOperation: new WithStartWorkflowOperation(ceilingWorkflow, {
        workflowId: id,
        taskQueue: ceilingQueue,
        workflowIdConflictPolicy: 'FAIL',
      }),
      args: [{}],
    });
  let nextSub = 0;
  const post = (sub: BenchSubscription) => ({
    path: '/v1/cancellations',
    headers: {
      authorization: `Bearer ${sub.account.token}`,
      'content-type': 'application/json',
      'idempotency-key': randomUUID(),
    },
    body: JSON.stringify({ subscriptionId: sub.id, reason: { code: 'too_expensive' } }),
  });
  const results: LevelResult[] = [];
  try {
    // Warm-up, outside the measurement: the workflow code, connections, the JIT of every process.
    await closedLoop(8, 40, (i) => ceilingOnce(`ceiling-warm-${i}`));
    await httpLoad(stack.apiUrl, 8, 40, () => post(apiSubs[nextSub++]));
    for (const clients of LEVELS) {
      const n = requestsAt(clients);
      say(`ceiling at ${clients} client(s), ${n} requests`);
      const ceilingCpu = cpuProbe(stack);
      const ceiling = await closedLoop(clients, n, (i) => ceilingOnce(`ceiling-${clients}-${i}`));
      const ceilingShares = ceilingCpu();
      say(`API at ${clients} client(s), ${n} requests`);
      const apiCpu = cpuProbe(stack);
      const api = await httpLoad(stack.apiUrl, clients, n, () => post(apiSubs[nextSub++]));
      const cpu = apiCpu();
      results.push({
        clients,
        ceiling: { ...ceiling, cpu: ceilingShares },
        api: {
          ...api,
          apiCpuPercent: cpu.api,
          workerCpuPercent: cpu.worker,
          cpu,
          cpuMsPerRequest: cpuMsEach(cpu, api.ok),
        },
        ratio: api.perSecond / ceiling.perSecond,
        p99Ratio: api.p99 / ceiling.p99,
      });
    }
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
  }
  return results;
}

/** Starts cancellations through the Temporal client (the API's Update-with-Start, minus HTTP). */
function startCancellations(stack: BenchStack, subs: BenchSubscription[], effectiveAt: Date): Promise<LoadResult> {
  return closedLoop(32, subs.length, async (i) => {
    const sub = subs[i];
    const outcome = await submitCancellation(
      { client: stack.client, taskQueue: stack.taskQueue },
      {
        cancellationId: `can_${randomUUID().replace(/-/g, '').slice(0, 16)}`,
        subscriptionId: sub.id,
        accountId: sub.account.accountId,
        channel: 'online',
        requester: { userId: sub.account.userId, email: sub.account.email },
        supportAgentId: null,
        reason: null,
      },
      { generation: 1, productName: 'GoTo Webinar', productFamily: 'webinar', effectiveAt, licensesAssigned: 0 },
    );
    if (!outcome.accepted) throw new Error(`not accepted: ${JSON.stringify(outcome)}`);
  });
}

async function measurePendingAndBurst(stack: BenchStack) {
  const workerPid = stack.worker.child.pid!;
  const before = await stack.databaseMb();
  const idleBefore = { rssMb: rssMb(workerPid) };
  const far = new Date(Date.now() + 40 * DAY);
  const waiting = await seedBench(stack.db, 'wait', { accounts: 100, subscriptions: PENDING - BURST, periodEnd: far });
  say(`starting ${waiting.length} cancellations due in 40 days`);
  const started = await startCancellations(stack, waiting, far);
  // The burst's instant: after its own starts (at the rate just seen, or a cautious 20/s when BENCH_PENDING
  // leaves none to wait) and the quiet measurement below.
  const quietMs = 20_000;
  const rate = started.ok > 0 ? Math.max(started.perSecond, 1) : 20;
  const instant = new Date(Date.now() + (BURST / rate) * 1300 + quietMs + 15_000);
  const due = await seedBench(stack.db, 'due', { accounts: 20, subscriptions: BURST, periodEnd: instant });
  say(`starting ${due.length} cancellations due at ${instant.toISOString()}`);
  const startedDue = await startCancellations(stack, due, instant);
  const pending = await stack.db.cancellation.count({
    where: { stage: { in: ['awaiting_prerequisites', 'scheduled'] } },
  });
  say(`${pending} cancellations waiting; measuring the worker for ${quietMs / 1000} s`);
  await sleep(2_000);
  const cpu0 = cpuSample(workerPid);
  await sleep(quietMs);
  const after = await stack.databaseMb();
  const waitingStats = {
    cancellationsWaiting: pending,
    startedPerSecond: round((started.ok + startedDue.ok) / (started.seconds + startedDue.seconds)),
    startErrors: started.errors + startedDue.errors,
    workerRssMbIdleBefore: round(idleBefore.rssMb),
    workerRssMbWaiting: round(rssMb(workerPid)),
    workerCpuPercentWaiting: round(cpuPercent(cpu0, cpuSample(workerPid)), 2),
    apiRssMb: round(rssMb(stack.api.child.pid!)),
    temporalServerRssMb: round(stack.temporalPids().reduce((sum, pid) => sum + rssMb(pid), 0)),
    temporalDbKbPerCancellation: round(((after.temporal - before.temporal) * 1024) / PENDING),
    appDbKbPerCancellation: round(((after.app - before.app) * 1024) / PENDING),
  };

  const metrics0 = await scrape(stack.workerMetricsUrl, REPLAY_METRICS);
  const wait = instant.getTime() - Date.now();
  if (wait < 0) say(`the burst instant passed ${-wait} ms before the starts ended (raise BENCH_PENDING's margin)`);
  else await sleep(wait);
  say(`burst: waiting for ${BURST} deactivations`);
  const cpuBurst = cpuProbe(stack);
  let peakRss = 0;
  const deadline = Date.now() + 300_000;
  for (;;) {
    peakRss = Math.max(peakRss, rssMb(workerPid));
    const done = await stack.db.cancellation.count({ where: { stage: 'completed' } });
    if (done >= BURST || Date.now() > deadline) break;
    await sleep(250);
  }
  const burstCpu = cpuBurst();
  const metrics1 = await scrape(stack.workerMetricsUrl, REPLAY_METRICS);
  const span = await stack.db.cancellation.aggregate({
    where: { stage: 'completed' },
    _min: { updatedAt: true },
    _max: { updatedAt: true },
    _count: true,
  });
  const first = (span._min.updatedAt?.getTime() ?? NaN) - instant.getTime();
  const last = (span._max.updatedAt?.getTime() ?? NaN) - instant.getTime();
  // The `cancellation.completed` events (webhooks and e-mails) trail the deactivations: until the last is dispatched.
  const completedEvents = { type: 'cancellation.completed' };
  const eventsDeadline = Date.now() + 120_000;
  while (
    (await stack.db.outboxEvent.count({ where: { ...completedEvents, dispatchedAt: null } })) > 0 &&
    Date.now() < eventsDeadline
  )
    await sleep(250);
  const events = await stack.db.outboxEvent.aggregate({
    where: { ...completedEvents, dispatchedAt: { not: null } },
    _max: { dispatchedAt: true },
    _count: true,
  });
  const lastEvent = (events._max.dispatchedAt?.getTime() ?? NaN) - instant.getTime();
  const burst = {
    due: BURST,
    completed: span._count,
    firstCompletedAfterS: round(first / 1000),
    lastCompletedAfterS: round(last / 1000),
    deactivationsPerSecond: round(span._count / Math.max((last - Math.max(first, 0)) / 1000, 0.001)),
    completedEventsDispatched: events._count,
    lastEventDispatchedAfterS: round(lastEvent / 1000),
    workerPeakRssMb: round(peakRss),
    workerCpuPercent: burstCpu.worker, // cpu.worker, as results files before 2026-12-07 had it
    cpu: burstCpu,
    cpuMsPerDeactivation: cpuMsEach(burstCpu, span._count),
    cacheMisses: metrics1.cacheMisses - metrics0.cacheMisses,
    replays: metrics1.replays - metrics0.replays,
    replayMsEach: round(
      ((metrics1.replaySeconds - metrics0.replaySeconds) * 1000) / Math.max(metrics1.replays - metrics0.replays, 1),
    ),
  };
  return { waiting: waitingStats, burst };
}

const cpuMsText = (ms: CpuMsEach) => `${ms.total} ms (API ${ms.api}, worker ${ms.worker}, server ${ms.server})`;

function printTable(levels: LevelResult[], scale: Awaited<ReturnType<typeof measurePendingAndBurst>>): void {
  const rows: string[][] = [['Measure', 'Clients', 'Result']];
  for (const l of levels) {
    const c = l.ceiling;
    const a = l.api;
    rows.push([
      'Ceiling: no-op Update-with-Start',
      String(l.clients),
      `${round(c.perSecond)}/s, p50 ${round(c.p50, 0)} ms, p95 ${round(c.p95, 0)} ms, p99 ${round(c.p99, 0)} ms; ` +
        `server CPU ${round(c.cpu.server, 0)} %, machine ${round(c.cpu.machineBusy, 0)} % busy`,
    ]);
    rows.push([
      'API: POST /v1/cancellations accepted',
      String(l.clients),
      `${round(a.perSecond)}/s (${round(l.ratio, 2)} of the ceiling), p50 ${round(a.p50, 0)} ms, p95 ` +
        `${round(a.p95, 0)} ms, p99 ${round(a.p99, 0)} ms (${round(l.p99Ratio, 2)}×); API CPU ${round(a.cpu.api, 0)} %, ` +
        `worker ${round(a.cpu.worker, 0)} %, server ${round(a.cpu.server, 0)} %, machine ` +
        `${round(a.cpu.machineBusy, 0)} % busy; CPU per request ${cpuMsText(a.cpuMsPerRequest)}` +
        `${a.errors ? `; ${a.errors} not 201` : ''}`,
    ]);
  }
  const w = scale.waiting;
  rows.push([
    `${w.cancellationsWaiting} waiting (cache ${CACHE})`,
    '32',
    `started at ${w.startedPerSecond}/s; worker RSS ${w.workerRssMbIdleBefore} → ${w.workerRssMbWaiting} MB, CPU ` +
      `${w.workerCpuPercentWaiting} % of a core; server ${w.temporalDbKbPerCancellation} KB and app ` +
      `${w.appDbKbPerCancellation} KB per cancellation`,
  ]);
  const b = scale.burst;
  rows.push([
    `Month-end burst: ${b.due} due at one instant`,
    '-',
    `${b.completed} completed, first after ${b.firstCompletedAfterS} s, last after ${b.lastCompletedAfterS} s ` +
      `(${b.deactivationsPerSecond}/s); their ${b.completedEventsDispatched} events dispatched, the last after ` +
      `${b.lastEventDispatchedAfterS} s; worker peak RSS ${b.workerPeakRssMb} MB, CPU ${b.cpu.worker} %, ` +
      `server ${round(b.cpu.server, 0)} %, machine ${round(b.cpu.machineBusy, 0)} % busy; CPU per deactivation ` +
      `${cpuMsText(b.cpuMsPerDeactivation)}; ${b.cacheMisses} workflow cache misses`,
  ]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  process.stdout.write(
    [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n') +
      '\n',
  );
}

async function main(): Promise<void> {
  const t0 = Date.now();
  // The in-process worker of the ceiling logs warnings only; the measured processes have their own logs.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  if (ENGINE !== 'dev' && ENGINE !== 'cluster') throw new Error(`BENCH_ENGINE=${ENGINE}: expected dev or cluster`);
  if (!isWorkerScript(WORKER_SCRIPT))
    throw new Error(`BENCH_WORKER_SCRIPT=${WORKER_SCRIPT}: expected one of ${WORKER_SCRIPTS.join(', ')}`);
  say(`starting the stack on the ${ENGINE} engine (worker as npm run ${WORKER_SCRIPT}, cache ${CACHE} workflows)`);
  const stack = await startBenchStack({
    engine: ENGINE,
    maxCachedWorkflows: CACHE,
    workerScript: WORKER_SCRIPT,
    logLevel: process.env.BENCH_LOG_LEVEL ?? 'warn',
    nodeArgs: process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [],
    // e.g. `--dynamic-config-value KEY=VALUE` or `--sqlite-pragma NAME=VALUE`, for an A/B (npm run bench:ab).
    devServerArgs: (process.env.BENCH_DEV_SERVER_ARGS ?? '').split(' ').filter(Boolean),
  });
  try {
    const apiSubs = await seedBench(stack.db, 'api', {
      accounts: 50,
      subscriptions: 40 + LEVELS.reduce((sum, c) => sum + requestsAt(c), 0),
      periodEnd: new Date(Date.now() + 30 * DAY),
    });
    const levels = await measureLevels(stack, apiSubs);
    const scale = await measurePendingAndBurst(stack);
    process.stdout.write(`Engine: ${stack.description}\n`);
    printTable(levels, scale);
    const date = new Date().toISOString();
    const label =
      (ENGINE === 'cluster' ? '-cluster' : '') +
      (process.env.BENCH_LABEL ? `-${process.env.BENCH_LABEL.replace(/[^\w.-]/g, '_')}` : '');
    const file = path.join(ROOT, 'bench', 'results', `${date.slice(0, 10)}${label}.json`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const report = {
      date,
      machine: machine(),
      engine: { name: ENGINE, description: stack.description },
      settings: {
        levels: LEVELS,
        requests: REQUESTS,
        pending: PENDING,
        burst: BURST,
        maxCachedWorkflows: CACHE,
        // The worker reads it from this environment (an A/B of the limit sets it per run).
        workflowStackTraceLimit: Number(
          process.env.WORKER_WORKFLOW_STACK_TRACE_LIMIT || DEFAULT_WORKFLOW_STACK_TRACE_LIMIT,
        ),
        worker: stack.workerRuntime,
      },
      levels,
      ...scale,
      runSeconds: round((Date.now() - t0) / 1000),
    };
    fs.writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
    say(`written ${path.relative(ROOT, file)}; the whole run took ${report.runSeconds} s`);
  } finally {
    await stack.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
