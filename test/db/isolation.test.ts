/**
 * A transaction is isolated from the rest of its own process. On PostgreSQL each transaction has a connection
 * of its own; on SQLite the process has one connection, and its statements take turns on it
 * (`ConnectionTurns`, db/adapters.ts). Before the turns, a statement made while another flow of the process had
 * a transaction open ran inside that transaction: it read uncommitted rows, and a write reported done was undone
 * by the other transaction's rollback (a step's write lost when a concurrent decision refused, P1).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConnectionTurns } from '../../db/adapters';
import { createDb, type Db } from '../../db/client';
import { migrateDatabase } from '../../scripts/lib/migrate';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { holdWriteLock } from '../helpers/db-lock';
import { seedAccount } from '../helpers/fixtures';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A transaction that writes, waits `holdMs` with the write uncommitted, then rolls back: `written` once the
 * write is done (the moment the rest of the process must not see it), `outcome` when the transaction has ended.
 */
function rolledBackWrite(db: Db, subscriptionId: string, holdMs: number) {
  let wrote!: () => void;
  const written = new Promise<void>((resolve) => (wrote = resolve));
  const outcome = db
    .$transaction(async (t) => {
      await t.subscription.update({ where: { id: subscriptionId }, data: { productName: 'uncommitted' } });
      wrote();
      await sleep(holdMs);
      throw new Error('refused: rolled back');
    })
    .then(
      () => 'committed',
      (err: unknown) => (err as Error).message,
    );
  return { written, outcome };
}

describe('statements outside an open transaction of the same process (both engines)', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase('isolation');
  }, 60_000);
  afterAll(() => tdb?.drop());

  it('neither read its uncommitted rows nor are undone by its rollback', async () => {
    const seed = await seedAccount(tdb.db);
    const transaction = rolledBackWrite(tdb.db, seed.subscriptionId, 150);
    await transaction.written;
    const read = await tdb.db.subscription.findUniqueOrThrow({ where: { id: seed.subscriptionId } });
    await tdb.db.subscription.update({ where: { id: seed.subscriptionId }, data: { currency: 'CHF' } });
    expect(await transaction.outcome).toBe('refused: rolled back');
    expect(read.productName).not.toBe('uncommitted');
    const after = await tdb.db.subscription.findUniqueOrThrow({ where: { id: seed.subscriptionId } });
    expect({ productName: after.productName, currency: after.currency }).toEqual({
      productName: read.productName,
      currency: 'CHF',
    });
  });

  it('hand-written statements are isolated the same way', async () => {
    const seed = await seedAccount(tdb.db);
    const transaction = rolledBackWrite(tdb.db, seed.subscriptionId, 150);
    await transaction.written;
    const [row] = await tdb.db.$queryRaw<{ productName: string }[]>`
      SELECT "productName" FROM "Subscription" WHERE "id" = ${seed.subscriptionId}`;
    const changed = await tdb.db.$executeRaw`
      UPDATE "Subscription" SET "currency" = 'CHF' WHERE "id" = ${seed.subscriptionId}`;
    expect(await transaction.outcome).toBe('refused: rolled back');
    expect([row.productName, changed]).toEqual([expect.not.stringMatching(/^uncommitted$/), 1]);
    const after = await tdb.db.subscription.findUniqueOrThrow({ where: { id: seed.subscriptionId } });
    expect(after.currency).toBe('CHF');
  });

  it('concurrent transactions and statements all commit, none lost', async () => {
    const seed = await seedAccount(tdb.db);
    const writes = Array.from({ length: 20 }, (_, i) =>
      i % 2
        ? tdb.db.$transaction(async (t) => {
            await t.license.create({ data: { id: `lic_iso_${i}`, subscriptionId: seed.subscriptionId } });
            await sleep(5);
          })
        : tdb.db.license.create({ data: { id: `lic_iso_${i}`, subscriptionId: seed.subscriptionId } }),
    );
    await Promise.all(writes);
    expect(await tdb.db.license.count({ where: { id: { startsWith: 'lic_iso_' } } })).toBe(20);
  });

  it('a transaction waiting for another process write lock lets the process read meanwhile, then commits', async () => {
    const seed = await seedAccount(tdb.db);
    const lock = await holdWriteLock(tdb); // as the fault tests hold it: another process
    const transaction = tdb.db.$transaction(
      (t) => t.subscription.update({ where: { id: seed.subscriptionId }, data: { currency: 'CHF' } }),
      { maxWait: 5_000, timeout: 10_000 },
    );
    await sleep(100);
    const started = Date.now();
    const read = await tdb.db.subscription.findUniqueOrThrow({ where: { id: seed.subscriptionId } });
    const readMs = Date.now() - started;
    await lock.release();
    await transaction;
    const after = await tdb.db.subscription.findUniqueOrThrow({ where: { id: seed.subscriptionId } });
    expect([read.currency, after.currency]).toEqual(['EUR', 'CHF']);
    expect(readMs).toBeLessThan(500); // not held behind the waiting transaction
  });
});

describe('SQLite: a transaction whose COMMIT fails', () => {
  it('is rolled back and ends its turn: the process goes on with its other statements', async () => {
    // A SQLite file whatever TEST_DATABASE_URL says: the failing COMMIT below is SQLite's.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'isolation-')), 'app.db');
    await migrateDatabase(`file:${file}`);
    const { db } = createDb(`file:${file}`);
    try {
      const seed = await seedAccount(db);
      // A foreign key checked at COMMIT: the COMMIT fails and SQLite keeps the transaction open.
      const failed = await db
        .$transaction(async (t) => {
          await t.$executeRawUnsafe('PRAGMA defer_foreign_keys = ON');
          await t.license.create({ data: { id: 'lic_orphan', subscriptionId: 'sub_missing' } });
        })
        .then(
          () => 'committed',
          () => 'failed',
        );
      const next = await Promise.race([
        db.license.create({ data: { id: 'lic_after', subscriptionId: seed.subscriptionId } }).then(() => 'written'),
        sleep(3_000).then(() => 'still waiting for the failed transaction'),
      ]);
      expect([failed, next]).toEqual(['failed', 'written']);
      expect(
        await db.license.findMany({ where: { id: { in: ['lic_orphan', 'lic_after'] } }, select: { id: true } }),
      ).toEqual([{ id: 'lic_after' }]);
      // And a transaction after it commits.
      await db.$transaction((t) =>
        t.subscription.update({ where: { id: seed.subscriptionId }, data: { currency: 'CHF' } }),
      );
      expect((await db.subscription.findUniqueOrThrow({ where: { id: seed.subscriptionId } })).currency).toBe('CHF');
    } finally {
      await db.$disconnect();
    }
  });
});

describe('ConnectionTurns', () => {
  it('runs turns one at a time, in the order they were asked for, also when one fails', async () => {
    const turns = new ConnectionTurns();
    const log: string[] = [];
    const turn = (name: string, ms: number, fail = false) =>
      turns.run(async () => {
        log.push(`${name}+`);
        await sleep(ms);
        log.push(`${name}-`);
        if (fail) throw new Error(name);
      });
    const results = await Promise.allSettled([turn('a', 20), turn('b', 1, true), turn('c', 5)]);
    expect(log).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
