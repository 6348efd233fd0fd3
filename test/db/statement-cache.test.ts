import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { cachingStatements } from '../../db/adapters';
import { createDb } from '../../db/client';
import { migrateDatabase } from '../../scripts/lib/migrate';

/** A better-sqlite3 connection whose `prepare` counts what SQLite really prepares. */
function countingConnection(): { client: Database.Database; prepared: string[] } {
  const client = new Database(':memory:');
  const prepared: string[] = [];
  const prepare = client.prepare.bind(client);
  (client as unknown as { prepare: (sql: string) => unknown }).prepare = (sql: string) => {
    prepared.push(sql);
    return prepare(sql);
  };
  client.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)');
  return { client, prepared };
}

/** The adapter's own calls: `prepare(sql).bind(args)`, then `run()` or `raw().all()`. */
type AdapterStatement = {
  reader: boolean;
  run(): Database.RunResult;
  columns(): { name: string }[];
  raw(): { all(): unknown[][] };
};
const prepareAs = (client: Database.Database, sql: string) =>
  (client.prepare as unknown as (sql: string) => AdapterStatement & { bind(args: unknown[]): AdapterStatement })(sql);

describe('the SQLite adapter keeps prepared statements', () => {
  it('prepares a statement once and binds each call its own arguments', () => {
    const { client, prepared } = countingConnection();
    cachingStatements(client);
    for (const [id, name] of [
      [1, 'one'],
      [2, 'two'],
    ] as const)
      prepareAs(client, 'INSERT INTO t (id, name) VALUES (?, ?)').bind([id, name]).run();
    const select = 'SELECT id, name FROM t WHERE id = ?';
    expect(prepareAs(client, select).bind([1]).raw().all()).toEqual([[1, 'one']]);
    expect(prepareAs(client, select).bind([2]).raw().all()).toEqual([[2, 'two']]);
    expect(prepareAs(client, select).bind([3]).raw().all()).toEqual([]);
    expect(
      prepareAs(client, select)
        .bind([2])
        .columns()
        .map((c) => c.name),
    ).toEqual(['id', 'name']);
    expect(prepareAs(client, select).bind([2]).reader).toBe(true);
    expect(prepareAs(client, 'DELETE FROM t WHERE id = ?').bind([9]).reader).toBe(false);
    // Without bind, as the adapter runs BEGIN.
    expect(prepareAs(client, 'SELECT count(*) FROM t').raw().all()).toEqual([[2]]);
    expect(prepared.filter((sql) => sql === select)).toHaveLength(1);
    expect(prepared.filter((sql) => sql.startsWith('INSERT'))).toHaveLength(1);
    client.close();
  });

  it('keeps at most its size, dropping the least recently used', () => {
    const { client, prepared } = countingConnection();
    cachingStatements(client, 2);
    const use = (n: number) => prepareAs(client, `SELECT ${n}`).raw().all();
    use(1);
    use(2);
    use(1); // 1 is now the most recently used
    use(3); // drops 2
    use(1);
    use(2); // prepared again
    expect(prepared.filter((sql) => sql.startsWith('SELECT'))).toEqual([
      'SELECT 1',
      'SELECT 2',
      'SELECT 3',
      'SELECT 2',
    ]);
    client.close();
  });

  it('leaves a failed statement out, and a constraint error leaves the kept statement usable', () => {
    const { client, prepared } = countingConnection();
    cachingStatements(client);
    expect(() => prepareAs(client, 'SELEC nonsense')).toThrow();
    const insert = 'INSERT INTO t (id, name) VALUES (?, ?)';
    prepareAs(client, insert).bind([1, 'one']).run();
    expect(() => prepareAs(client, insert).bind([1, 'again']).run()).toThrow(/UNIQUE/);
    prepareAs(client, insert).bind([2, 'two']).run();
    expect(prepareAs(client, 'SELECT name FROM t ORDER BY id').raw().all()).toEqual([['one'], ['two']]);
    expect(prepared.filter((sql) => sql === insert)).toHaveLength(1);
    client.close();
  });

  it('gives Prisma the same answers through transactions, commits and rollbacks', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stmt-cache-'));
    const url = `file:${path.join(dir, 'app.db')}`;
    await migrateDatabase(url);
    const { db } = createDb(url);
    try {
      for (let i = 0; i < 20; i++) await db.account.create({ data: { id: `acc_${i}`, name: `Account ${i}` } });
      await db.$transaction(async (t) => {
        await t.account.update({ where: { id: 'acc_3' }, data: { name: 'renamed' } });
      });
      await expect(
        db.$transaction(async (t) => {
          await t.account.update({ where: { id: 'acc_4' }, data: { name: 'lost' } });
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      const names = await Promise.all(
        [3, 4, 5].map(async (i) => (await db.account.findUnique({ where: { id: `acc_${i}` } }))?.name),
      );
      expect(names).toEqual(['renamed', 'Account 4', 'Account 5']);
      expect(
        await db.account.findMany({ where: { id: { in: ['acc_1', 'acc_19', 'none'] } }, orderBy: { id: 'asc' } }),
      ).toEqual([expect.objectContaining({ id: 'acc_1' }), expect.objectContaining({ id: 'acc_19' })]);
    } finally {
      await db.$disconnect();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
