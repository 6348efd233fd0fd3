/**
 * `npm run bench:statements`: the CPU one statement costs the process through Prisma's typed API and as a
 * hand-written statement (db/sql.ts), on a fresh migrated database: SQLite by default, PostgreSQL when
 * TEST_DATABASE_URL is a postgres:// URL. Prints milliseconds per call; reports, never fails on a timing.
 */
import { findSubscription } from '../db/subscriptions';
import { findRow, updateRow } from '../db/sql';
import { createTestDatabase } from '../test/helpers/db';
import { seedAccount } from '../test/helpers/fixtures';

const CALLS = Number(process.env.BENCH_STATEMENT_CALLS ?? 2000);

async function measure(label: string, calls: number, fn: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < Math.min(200, calls); i++) await fn();
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < calls; i++) await fn();
  const wall = (performance.now() - start) / calls;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000 / calls;
  console.log(`| ${label.padEnd(58)} | ${wall.toFixed(3).padStart(7)} | ${cpuMs.toFixed(3).padStart(7)} |`);
}

async function main(): Promise<void> {
  const t = await createTestDatabase('bench_statements');
  try {
    const seed = await seedAccount(t.db, { assignedLicenses: 2 });
    const id = seed.subscriptionId;
    console.log(`Engine: ${t.kind}; ${CALLS} calls each (a transaction: a tenth as many)`);
    console.log(`| ${'Statement'.padEnd(58)} | ms wall | ms CPU  |`);
    console.log(`|${'-'.repeat(60)}|---------|---------|`);
    await measure('a row by id: typed findUnique', CALLS, () => t.db.subscription.findUnique({ where: { id } }));
    await measure('a row by id: hand-written (findRow)', CALLS, () => findRow(t.db, 'Subscription', id));
    await measure('a subscription with its licences: typed, include', CALLS, () =>
      t.db.subscription.findUnique({ where: { id }, include: { licenses: { select: { assignedToUserId: true } } } }),
    );
    await measure('a subscription with its licences: hand-written', CALLS, () => findSubscription(t.db, id));
    await measure('a transaction of three updates: typed', CALLS / 10, () =>
      t.db.$transaction(async (tx) => {
        for (let i = 0; i < 3; i++) await tx.subscription.update({ where: { id }, data: { autoRenew: true } });
      }),
    );
    await measure('a transaction of three updates: hand-written (updateRow)', CALLS / 10, () =>
      t.db.$transaction(async (tx) => {
        for (let i = 0; i < 3; i++) await updateRow(tx, 'Subscription', id, { autoRenew: true });
      }),
    );
  } finally {
    await t.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
