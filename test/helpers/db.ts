import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDb, type Db } from '../../db/client';
import type { DatabaseKind } from '../../db/url';
import { migrateDatabase } from '../../scripts/lib/migrate';
import { dropDatabase } from '../../scripts/lib/postgres';

export interface TestDatabase {
  url: string;
  kind: DatabaseKind;
  db: Db;
  /** Disconnects and deletes the database. */
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database per test file: a temporary SQLite file by default, or, when
 * TEST_DATABASE_URL is a postgres:// URL (CI's second pass), a new database on that server.
 */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const suffix = `${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const base = process.env.TEST_DATABASE_URL;
  if (base && /^postgres(ql)?:\/\//.test(base)) {
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    const name = `test_${suffix}`.slice(0, 63);
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const url = new URL(base);
    url.pathname = `/${name}`;
    await migrateDatabase(url.toString());
    const { db } = createDb(url.toString());
    return {
      url: url.toString(),
      kind: 'postgresql',
      db,
      drop: async () => {
        await db.$disconnect();
        await dropDatabase(base, name);
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cancellations-'));
  const url = `file:${path.join(dir, `${suffix}.db`)}`;
  await migrateDatabase(url);
  const { db } = createDb(url);
  return {
    url,
    kind: 'sqlite',
    db,
    drop: async () => {
      await db.$disconnect();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
