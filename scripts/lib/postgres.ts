import pg from 'pg';

/**
 * Drops a database, ending its sessions (`WITH (FORCE)`). A non-superuser cannot end an autovacuum worker (a
 * superuser backend) that has just started on a fresh database: it finishes within moments, so the drop is
 * retried for up to 10 s. The client is closed whatever happens, so no handle keeps a process alive.
 * `url`: any database of the server, as a role that owns the one to drop.
 */
export async function dropDatabase(url: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
        return;
      } catch (err) {
        if (attempt >= 40) throw err;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  } finally {
    await client.end();
  }
}
