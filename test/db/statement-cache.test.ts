import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { cachingStatements } from '../../db/adapters';
import { createDb } from '../../db/client';
import { migrateDatabase } from '../../scripts/lib/migrate';

/**
 * The better-sqlite3 that Prisma's adapter loads (its own copy, which may differ from the top-level one), so
 * these tests exercise the statements the service really runs.
 */
const Database = createRequire(require.resolve('@prisma/adapter-better-sqlite3'))(
  'better-sqlite3',
) as typeof BetterSqlite3;
type Database = BetterSqlite3.Database;
type RunResult = BetterSqlite3.RunResult;

/** A better-sqlite3 connection whose `prepare` counts what SQLite really prepares. */
function countingConnection(file = ':memory:'): { client: Database; prepared: string[] } {
  const client = new Database(file);
  client.defaultSafeIntegers(true); // as the adapter opens it
  const prepared: string[] = [];
  const prepare = client.prepare.bind(client);
  (client as unknown as { prepare: (sql: string) => unknown }).prepare = (sql: string) => {
    prepared.push(sql);
    return prepare(sql);
  };
  client.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, name TEXT)');
  return { client, prepared };
}

/** The adapter's own calls: `prepare(sql).bind(args)`, then `run()` or `raw().all()`. */
type AdapterStatement = {
  reader: boolean;
  run(): RunResult;
  columns(): { name: string; type: string | null }[];
  raw(): { all(): unknown[][] };
};
/** The connection's `prepare` as the adapter calls it. */
const prepareAs = (client: Database, sql: string) =>
  (client.prepare as unknown as (sql: string) => AdapterStatement & { bind(args: unknown[]): AdapterStatement })(sql);

/** What the adapter reads of a query, in its order: the columns' declared types first, then the rows. */
const query = (client: Database, sql: string, args: unknown[] = []) => {
  const stmt = prepareAs(client, sql).bind(args);
  const types = stmt.columns().map((c) => c.type);
  return { types, rows: stmt.raw().all() };
};

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'stmt-cache-'));

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
    expect(prepareAs(client, select).bind([1]).raw().all()).toEqual([[1n, 'one']]);
    expect(prepareAs(client, select).bind([2n]).raw().all()).toEqual([[2n, 'two']]);
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
    expect(prepareAs(client, 'SELECT count(*) FROM t').raw().all()).toEqual([[2n]]);
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

  it('binds null, big integers and bytes as a fresh statement would', () => {
    const { client } = countingConnection();
    cachingStatements(client);
    client.exec('CREATE TABLE v (n INTEGER, b BLOB, s TEXT)');
    const insert = 'INSERT INTO v (n, b, s) VALUES (?, ?, ?)';
    prepareAs(client, insert)
      .bind([9007199254740993n, Buffer.from([1, 2, 3]), null])
      .run();
    prepareAs(client, insert).bind([null, null, 'x']).run();
    expect(query(client, 'SELECT n, b, s FROM v ORDER BY rowid').rows).toEqual([
      [9007199254740993n, Buffer.from([1, 2, 3]), null],
      [null, null, 'x'],
    ]);
    client.close();
  });

  it('describes the columns as they are after a migration from another connection', () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.db');
    const { client, prepared } = countingConnection(file);
    cachingStatements(client);
    prepareAs(client, 'INSERT INTO t (id, name) VALUES (?, ?)').bind([1, 'one']).run();
    const sql = 'SELECT * FROM t';
    expect(query(client, sql)).toEqual({ types: ['INTEGER', 'TEXT'], rows: [[1n, 'one']] });
    const migration = new Database(file);
    migration.exec(`
      CREATE TABLE t_new (id INTEGER PRIMARY KEY, name DATETIME, extra INTEGER);
      INSERT INTO t_new (id, name, extra) SELECT id, name, 7 FROM t;
      DROP TABLE t;
      ALTER TABLE t_new RENAME TO t;`);
    migration.close();
    expect(query(client, sql)).toEqual({ types: ['INTEGER', 'DATETIME', 'INTEGER'], rows: [[1n, 'one', 7n]] });
    expect(prepared.filter((s) => s === sql)).toHaveLength(1);
    client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prepares very long SQL each time instead of keeping it', () => {
    const { client, prepared } = countingConnection();
    cachingStatements(client);
    const ids = Array.from({ length: 1_500 }, (_, i) => i);
    const sql = `SELECT count(*) FROM t WHERE id IN (${ids.map(() => '?').join(', ')})`;
    expect(query(client, sql, ids).rows).toEqual([[0n]]);
    expect(query(client, sql, ids).rows).toEqual([[0n]]);
    expect(prepared.filter((s) => s === sql)).toHaveLength(2);
    client.close();
  });

  it('gives Prisma the same answers through transactions, commits and rollbacks', async () => {
    const dir = tempDir();
    const url = `file:${path.join(dir, 'app.db')}`;
    await migrateDatabase(url);
    // Counted from the connection Prisma opens: the cache is installed on the adapter's real path.
    const prepare = jest.spyOn(Database.prototype, 'prepare');
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
      const names: (string | undefined)[] = [];
      // One after the other: Prisma would batch look-ups made in the same tick into one query.
      for (const i of [3, 4, 5]) names.push((await db.account.findUnique({ where: { id: `acc_${i}` } }))?.name);
      expect(names).toEqual(['renamed', 'Account 4', 'Account 5']);
      const texts = prepare.mock.calls.map(([sql]) => sql);
      const findUnique = texts.filter((sql) => /^SELECT .* FROM [`"]?main[`"]?\.[`"]?Account[`"]? WHERE/.test(sql));
      expect(findUnique).toHaveLength(1); // prepared once for the three look-ups
      expect(
        await db.account.findMany({ where: { id: { in: ['acc_1', 'acc_19', 'none'] } }, orderBy: { id: 'asc' } }),
      ).toEqual([expect.objectContaining({ id: 'acc_1' }), expect.objectContaining({ id: 'acc_19' })]);
    } finally {
      prepare.mockRestore();
      await db.$disconnect();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
