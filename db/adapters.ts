import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { DatabaseTarget } from './url';

/** How long a SQLite writer waits for another process's write lock (seed while the stack runs). */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;
/**
 * better-sqlite3 waits for a lock synchronously, blocking the process's event loop for as long as it waits:
 * each attempt waits at most this long, and between attempts the event loop runs (see takingTurns).
 */
const SQLITE_BUSY_ATTEMPT_MS = 20;
const SQLITE_BUSY_PAUSE_MS = 20;

export interface AdapterOptions {
  /** The API keeps it below its request deadline, so a locked database answers 503 in time. */
  sqliteBusyTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const isBusy = (err: unknown): boolean =>
  (err as { cause?: { originalCode?: unknown } } | null)?.cause?.originalCode === 'SQLITE_BUSY';

/** Runs `run` again while SQLite answers SQLITE_BUSY, pausing between attempts, for up to `budgetMs` in all. */
async function retryWhileBusy<T>(run: () => Promise<T>, budgetMs: number): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      return await run();
    } catch (err) {
      if (!isBusy(err) || Date.now() - started + SQLITE_BUSY_PAUSE_MS >= budgetMs) throw err;
      await sleep(SQLITE_BUSY_PAUSE_MS);
    }
  }
}

interface SqliteTransaction {
  executeRaw(query: { sql: string; args: unknown[]; argTypes: unknown[] }): Promise<number>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

const statement = (sql: string) => ({ sql, args: [], argTypes: [] });

/**
 * Turns on the process's one SQLite connection, first come first served. A transaction holds its turn from its
 * start to its end, across its awaits; a statement outside any transaction holds one for itself. Without them,
 * a statement from elsewhere in the process ran on the connection while a transaction was open there, so inside
 * it: it read the transaction's uncommitted rows, and its write, reported done, was undone when that transaction
 * rolled back (`test/db/isolation.test.ts`). The adapter's own lock orders transactions only.
 */
export class ConnectionTurns {
  private last: Promise<void> = Promise.resolve();

  /** Waits for every earlier turn to end; call what it returns to end this one. */
  take(): Promise<() => void> {
    const previous = this.last;
    let end!: () => void;
    this.last = new Promise<void>((resolve) => (end = resolve));
    return previous.then(() => end);
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    const end = await this.take();
    try {
      return await work();
    } finally {
      end();
    }
  }
}

/**
 * The adapter opens a deferred transaction (`BEGIN`): its first read fixes a snapshot, and its first write
 * then fails with SQLITE_BUSY_SNAPSHOT, which no wait cures, whenever another process wrote in between.
 * Every transaction here writes, so it takes the write lock at its start instead (`BEGIN IMMEDIATE`). If the
 * lock is busy, the attempt gives everything back (the adapter's lock through `rollback()`, and the turn) before
 * the error goes up, so the process's other statements, reads above all, go on while it waits to try again.
 */
async function startImmediate(
  turns: ConnectionTurns,
  start: () => Promise<SqliteTransaction>,
  budgetMs: number,
): Promise<SqliteTransaction> {
  const end = await turns.take();
  let tx: SqliteTransaction | undefined;
  try {
    tx = await start();
    await tx.executeRaw(statement('ROLLBACK'));
    await tx.executeRaw(statement('BEGIN IMMEDIATE'));
  } catch (err) {
    try {
      await tx?.rollback();
    } finally {
      end();
    }
    throw err;
  }
  return holdingTurn(tx, end, budgetMs);
}

type Method = (...args: unknown[]) => Promise<unknown>;

/**
 * `target` with the methods `replace` gives for some names; every method, replaced or not, runs on the target
 * itself (the adapter keeps private fields, which a proxy as `this` cannot reach).
 */
function overriding<T extends object>(
  target: T,
  replace: (name: string | symbol, method: Method) => Method | undefined,
): T {
  return new Proxy(target, {
    get(t, prop) {
      const value = Reflect.get(t, prop, t) as unknown;
      if (typeof value !== 'function') return value;
      const method: Method = (...args) => value.apply(t, args) as Promise<unknown>;
      return replace(prop, method) ?? value.bind(t);
    },
  });
}

/**
 * A transaction's statements (COMMIT included: Prisma sends it as a statement), retried while busy; its end
 * (`commit()` or `rollback()`) ends its turn, once. Prisma calls neither when its COMMIT or ROLLBACK statement
 * fails (disk full, an I/O error): the transaction is then rolled back if still open and its turn ended here,
 * or every later statement of the process would wait for it.
 */
function holdingTurn(tx: SqliteTransaction, end: () => void, budgetMs: number): SqliteTransaction {
  let open = true;
  const close = async (how: 'commit' | 'rollback') => {
    if (!open) return;
    open = false;
    try {
      await tx[how]();
    } finally {
      end();
    }
  };
  const abandon = async () => {
    await tx.executeRaw(statement('ROLLBACK')).catch(() => undefined); // none may be open any more
    await close('rollback');
  };
  return overriding(tx, (prop, method) => {
    if (prop === 'queryRaw' || prop === 'executeRaw')
      return async (...args: unknown[]) => {
        try {
          // An attempt after the transaction ended (Prisma's timeout rolled it back during a busy pause)
          // would run outside its turn: refused.
          const attempt = () => {
            if (!open) throw new Error('the transaction has ended: statement not run');
            return method(...args);
          };
          return await retryWhileBusy(attempt, budgetMs);
        } catch (err) {
          const sql = (args[0] as { sql?: unknown } | undefined)?.sql;
          if (sql === 'COMMIT' || sql === 'ROLLBACK') await abandon();
          throw err;
        }
      };
    if (prop === 'commit' || prop === 'rollback') return () => close(prop);
    return undefined;
  });
}

/**
 * The adapter with its statements and transactions taking turns on the connection, each retried while busy:
 * a statement attempt by attempt, a transaction until it has the write lock.
 */
function takingTurns<T extends object>(adapter: T, budgetMs: number): T {
  const turns = new ConnectionTurns();
  return overriding(adapter, (prop, method) => {
    if (prop === 'queryRaw' || prop === 'executeRaw' || prop === 'executeScript')
      return (...args: unknown[]) => retryWhileBusy(() => turns.run(() => method(...args)), budgetMs);
    if (prop === 'startTransaction')
      return (...args: unknown[]) =>
        retryWhileBusy(
          () => startImmediate(turns, () => method(...args) as Promise<SqliteTransaction>, budgetMs),
          budgetMs,
        );
    return undefined;
  });
}

/**
 * A waiting writer no longer freezes its process: SQLite's own busy wait is cut to SQLITE_BUSY_ATTEMPT_MS per
 * attempt, and the attempts go on asynchronously for the whole busy timeout. Requests that arrive together
 * while another process holds the write lock therefore each answer within the API's deadline, instead of one
 * busy timeout after another.
 */
class YieldingBetterSQLite3 extends PrismaBetterSQLite3 {
  constructor(
    config: ConstructorParameters<typeof PrismaBetterSQLite3>[0],
    private readonly busyTimeoutMs: number,
  ) {
    super({ ...config, timeout: SQLITE_BUSY_ATTEMPT_MS });
  }

  override async connect() {
    const adapter = await super.connect();
    cachingStatements((adapter as unknown as { client: Database.Database }).client);
    return takingTurns(adapter, this.busyTimeoutMs);
  }
}

/** Prepared statements kept per connection; Prisma's query compiler emits a few dozen distinct ones here. */
const SQLITE_STATEMENT_CACHE_SIZE = 256;
/** Longer SQL (an `IN` list of hundreds of ids, a bulk insert) is prepared each time: it seldom recurs. */
const SQLITE_KEPT_SQL_MAX_CHARS = 4_096;

/**
 * The adapter prepares every statement anew (`prepare(sql).bind(args)`), which was a seventh of the worker's
 * JavaScript time in the month-end burst (2026-12-07 profile). The connection's `prepare` now returns a
 * statement kept by its SQL text, bound per call instead of once (a better-sqlite3 statement can be bound
 * only once). Each call runs to completion synchronously, so one statement object never serves two at once.
 * After a schema change (a migration, from this process or another) SQLite re-prepares a kept statement when
 * it runs, not before: its columns' declared types, from which the adapter converts values, are read after
 * the rows, never from the statement as it was prepared.
 */
export function cachingStatements(client: Database.Database, size = SQLITE_STATEMENT_CACHE_SIZE): void {
  const prepare = client.prepare.bind(client);
  const kept = new Map<string, Database.Statement>();
  const statementFor = (sql: string): Database.Statement => {
    if (sql.length > SQLITE_KEPT_SQL_MAX_CHARS) return prepare(sql);
    let stmt = kept.get(sql);
    if (stmt) kept.delete(sql);
    else {
      stmt = prepare(sql);
      if (kept.size >= size) kept.delete(kept.keys().next().value as string);
    }
    kept.set(sql, stmt); // the most recently used last: the first key is the one to drop
    return stmt;
  };
  const bound = (stmt: Database.Statement, args: unknown[]) => {
    let rows: unknown[][] | undefined;
    const all = () => (rows ??= stmt.raw(true).all(args) as unknown[][]);
    return {
      reader: stmt.reader,
      run: () => stmt.run(args),
      // The adapter asks for the columns first: run the query, so a re-prepared statement describes them.
      columns: () => (all(), stmt.columns()),
      raw: () => ({ all }),
    };
  };
  (client as unknown as { prepare: (sql: string) => unknown }).prepare = (sql: string) => {
    const stmt = statementFor(sql);
    return { ...bound(stmt, []), bind: (args: unknown[]) => bound(stmt, args) };
  };
}

/**
 * WAL lets readers run beside one writer, so `npm run db:seed` can load a fixture while the
 * worker and API use the same file. The journal mode is stored in the file, so setting it once
 * per process start is enough.
 */
function prepareSqliteFile(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  try {
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
}

/**
 * prisma/orm#27403: the JS schema engine cannot deserialize PostgreSQL's `name` type (OID 19),
 * which catalogue queries of `migrate deploy` return, nor the one-byte `"char"` type (OID 18),
 * which introspection (`db pull`, used by test/db/schema-drift.test.ts) returns. Reporting those
 * columns as `text` (OID 25) is lossless for the engine's purposes.
 */
const CATALOGUE_TYPES_AS_TEXT = new Set([18, 19]);

function withNameColumnsAsText(pool: pg.Pool): pg.Pool {
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<pg.QueryResult>;
  const patched = async (...args: unknown[]) => {
    const result = await query(...args);
    for (const field of result?.fields ?? []) if (CATALOGUE_TYPES_AS_TEXT.has(field.dataTypeID)) field.dataTypeID = 25;
    return result;
  };
  (pool as unknown as { query: unknown }).query = patched;
  return pool;
}

export function createAdapter(target: DatabaseTarget, options: AdapterOptions = {}): PrismaBetterSQLite3 | PrismaPg {
  if (target.kind === 'sqlite') {
    prepareSqliteFile(target.location);
    return new YieldingBetterSQLite3({ url: target.location }, options.sqliteBusyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS);
  }
  // allowExitOnIdle: a short-lived process (the Prisma CLI, a seed) exits as soon as its work is done
  // instead of waiting out the pool's 10-second idle timeout; servers stay up through their listeners.
  const pool = new pg.Pool({
    connectionString: target.location,
    max: 10,
    // A new connection costs about 13 ms here (a backend started, SCRAM authentication) against 0.26 ms for a
    // query on an open one; with pg's default of closing idle connections after 10 s, a request after a quiet
    // moment paid that several times over (the API and the worker each open two or three). Idle connections
    // are kept 5 minutes: at most `max` per process, and the server's `max_connections` bounds them all.
    idleTimeoutMillis: 300_000,
    allowExitOnIdle: true,
    // A server that accepts no connection fails the request in time (the API answers 503) instead of hanging.
    connectionTimeoutMillis: 5_000,
  });
  // disposeExternalPool: `$disconnect()` ends the pool, so no idle connection outlives the client
  // (an idle connection later cut by the server, e.g. DROP DATABASE … WITH (FORCE), would otherwise
  // raise an unhandled 'error').
  return new PrismaPg(withNameColumnsAsText(pool), { disposeExternalPool: true });
}
