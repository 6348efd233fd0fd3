import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { DatabaseTarget } from './url';

/** How long a SQLite writer waits for another process's write lock (seed while the stack runs). */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

export interface AdapterOptions {
  /** The API keeps it below its request deadline, so a locked database answers 503 in time. */
  sqliteBusyTimeoutMs?: number;
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
    return new PrismaBetterSQLite3({
      url: target.location,
      timeout: options.sqliteBusyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS,
    });
  }
  // allowExitOnIdle: a short-lived process (the Prisma CLI, a seed) exits as soon as its work is done
  // instead of waiting out the pool's 10-second idle timeout; servers stay up through their listeners.
  const pool = new pg.Pool({
    connectionString: target.location,
    max: 10,
    allowExitOnIdle: true,
    // A server that accepts no connection fails the request in time (the API answers 503) instead of hanging.
    connectionTimeoutMillis: 5_000,
  });
  // disposeExternalPool: `$disconnect()` ends the pool, so no idle connection outlives the client
  // (an idle connection later cut by the server, e.g. DROP DATABASE … WITH (FORCE), would otherwise
  // raise an unhandled 'error').
  return new PrismaPg(withNameColumnsAsText(pool), { disposeExternalPool: true });
}
