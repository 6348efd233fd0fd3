import type { Db } from './client';

/** Readiness probe: one round trip to the database. */
export async function pingDatabase(db: Db): Promise<void> {
  await db.$queryRawUnsafe('SELECT 1');
}
