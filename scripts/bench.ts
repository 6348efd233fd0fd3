/**
 * `npm run bench`: measures the two paths that matter at scale, on a real Temporal dev server
 * (started here, SQLite-backed with the WAL pragmas) and a temporary SQLite database:
 *
 *   1. the API's answer: Update-with-Start of a real cancellation (eligibility read and scheduling
 *      transaction included) at BENCH_CLIENTS concurrent clients, BENCH_REQUESTS in all;
 *   2. a month-end burst: every accepted cancellation falls due at the same instant; time until
 *      all are deactivated.
 *
 * It reports numbers only; it never fails on a timing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { submitCancellation } from '../api/workflow-client';
import { createDb } from '../db/client';
import { loadFixture, parseFixture } from '../db/fixtures';
import { ensureTemporalBinaries } from './temporal-binaries';
import { migrateDatabase } from './lib/migrate';
import { cliTypeName, searchAttributeKeys } from '../workflows/search-attributes';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const BURST_DELAY_S = Number(process.env.BENCH_BURST_DELAY_S ?? 30);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main(): Promise<void> {
  const bins = ensureTemporalBinaries();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const url = `file:${path.join(dir, 'bench.db')}`;
  await migrateDatabase(url);
  const { db } = createDb(url);
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: bins.cli },
      dbFilename: path.join(dir, 'temporal.db'),
      extraArgs: [
        '--sqlite-pragma',
        'journal_mode=WAL',
        '--sqlite-pragma',
        'synchronous=NORMAL',
        ...searchAttributeKeys.flatMap((k) => ['--search-attribute', `${k.name}=${cliTypeName(k.type)}`]),
      ],
    },
  });
  const taskQueue = 'bench';
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../workflows'),
    activities: createActivities({ db }),
  });
  const running = worker.run();
  try {
    const start = Date.now();
    const due = new Date(start + BURST_DELAY_S * 1000);
    const periodStart = new Date(start - 86_400_000);
    const subs = Array.from({ length: REQUESTS }, (_, i) => `sub_b${i}`);
    await loadFixture(
      db,
      parseFixture({
        accounts: [
          {
            id: 'acc_bench',
            name: 'Bench',
            paymentMethod: { last4: '4242', billingAddress: { line1: 'x', city: 'x', postalCode: 'x', country: 'FR' } },
            users: [{ id: 'usr_bench', email: 'bench@example.test', roles: ['billing_admin'] }],
            subscriptions: subs.map((id) => ({
              id,
              product: { code: 'webinar', name: 'GoTo Webinar', family: 'webinar' },
              purchaseChannel: 'online',
              billing: 'monthly',
              currentPeriodStart: periodStart.toISOString(),
              currentPeriodEnd: due.toISOString(),
              contractStart: null,
              contractEnd: null,
              monthlyPriceCents: 4900,
              currency: 'EUR',
              onlineCancellable: true,
              licenses: [],
            })),
          },
        ],
      }),
    );
    // Warm up the bundle and connections outside the measurement.
    const latencies: number[] = [];
    let next = 0;
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < subs.length) {
          const id = subs[next++];
          const began = Date.now();
          const outcome = await submitCancellation(
            { client: env.client, taskQueue },
            {
              cancellationId: `can_${randomUUID().slice(0, 12)}`,
              subscriptionId: id,
              accountId: 'acc_bench',
              channel: 'online',
              requester: { userId: 'usr_bench', email: 'bench@example.test' },
              supportAgentId: null,
              reason: null,
            },
            { generation: 1, productName: 'GoTo Webinar', productFamily: 'webinar', effectiveAt: due },
          );
          if (!outcome.accepted) throw new Error(`not accepted: ${JSON.stringify(outcome)}`);
          latencies.push(Date.now() - began);
        }
      }),
    );
    const elapsed = (Date.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    process.stdout.write(
      `Update-with-Start of a real cancellation: ${REQUESTS} requests, ${CLIENTS} clients: ` +
        `${(REQUESTS / elapsed).toFixed(1)}/s; latency p50 ${percentile(latencies, 50)} ms, ` +
        `p95 ${percentile(latencies, 95)} ms, max ${latencies[latencies.length - 1]} ms\n`,
    );
    const waitMs = due.getTime() - Date.now();
    if (waitMs < 0)
      process.stdout.write(
        `(the burst instant passed ${-waitMs} ms before submission ended; raise BENCH_BURST_DELAY_S)\n`,
      );
    for (;;) {
      const done = await db.cancellation.count({ where: { stage: 'completed' } });
      if (done === REQUESTS) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    process.stdout.write(
      `Month-end burst: ${REQUESTS} cancellations due at one instant, all deactivated ` +
        `${((Date.now() - due.getTime()) / 1000).toFixed(1)} s after it\n`,
    );
  } finally {
    worker.shutdown();
    await running;
    await env.teardown();
    await db.$disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
