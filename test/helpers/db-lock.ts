import { spawn } from 'node:child_process';
import { parseDatabaseUrl } from '../../db/url';
import pg from 'pg';
import type { TestDatabase } from './db';

/** Tables every cancellation request writes: locking them makes writes wait while reads go on. */
const WRITTEN = ['IdempotencyRecord', 'Cancellation', 'CancellationEvent', 'Subscription', 'Notification'];

/**
 * Holds the database's write lock from outside the processes under test, as another writer would: on
 * SQLite an exclusive transaction in a separate process (in WAL mode reads still work, writes wait and
 * fail with SQLITE_BUSY); on PostgreSQL an EXCLUSIVE table lock (reads go on, writes wait). Resolves once
 * the lock is held; `release()` lets go.
 */
export async function holdWriteLock(testDb: TestDatabase): Promise<{ release(): Promise<void> }> {
  if (testDb.kind === 'sqlite') {
    const file = parseDatabaseUrl(testDb.url).location;
    const script = [
      'import sqlite3, sys',
      `c = sqlite3.connect(${JSON.stringify(file)}, isolation_level=None, timeout=30)`,
      "c.execute('BEGIN EXCLUSIVE')",
      "print('locked', flush=True)",
      'sys.stdin.read()',
      "c.execute('ROLLBACK')",
    ].join('\n');
    const child = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`the SQLite lock holder exited with ${code}`)));
    });
    return {
      release: () =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.stdin.end();
        }),
    };
  }
  const client = new pg.Client({ connectionString: testDb.url });
  await client.connect();
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${WRITTEN.map((t) => `"${t}"`).join(', ')} IN EXCLUSIVE MODE`);
  return {
    release: async () => {
      await client.query('ROLLBACK');
      await client.end();
    },
  };
}
