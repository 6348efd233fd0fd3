import { PrismaClient as SqliteClient } from './generated/sqlite/client';
import { PrismaClient as PostgresClient } from './generated/postgresql/client';
import { createAdapter, type AdapterOptions } from './adapters';
import { parseDatabaseUrl, type DatabaseKind } from './url';

/**
 * The two generated clients expose the same model API (the schemas are kept identical by
 * test/db/schema-drift.test.ts), so the SQLite client's type stands for both.
 */
export type Db = SqliteClient;
export type DbTx = Parameters<Parameters<Db['$transaction']>[0]>[0];
export type { Cancellation as CancellationRow } from './generated/sqlite/client';

export interface DbHandle {
  db: Db;
  kind: DatabaseKind;
}

export function createDb(databaseUrl: string, options: AdapterOptions = {}): DbHandle {
  const target = parseDatabaseUrl(databaseUrl);
  const adapter = createAdapter(target, options);
  if (target.kind === 'sqlite') {
    return { db: new SqliteClient({ adapter: adapter as never }), kind: target.kind };
  }
  return { db: new PostgresClient({ adapter: adapter as never }) as unknown as Db, kind: target.kind };
}
