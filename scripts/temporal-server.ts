/**
 * `npm run temporal:server`: builds (once) or finds the Temporal server v1.32.0 and its SQL tool, and prints
 * their paths (TEMPORAL_SERVER_PATH, TEMPORAL_SQL_TOOL_PATH).
 * `npm run temporal:setup-databases`: creates, when missing, and migrates Temporal's two databases on the
 * PostgreSQL of TEMPORAL_POSTGRES_URL (postgres://user:password@host:port; databases TEMPORAL_DB, default
 * `temporal`, and TEMPORAL_VISIBILITY_DB, default `temporal_visibility`). Idempotent: it is the deployment step
 * of a new cluster and of a server upgrade alike (deploy/README.md).
 */
import { ensureServerBinaries, postgresServerOf, setupTemporalDatabases } from './lib/temporal-cluster';

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const binaries = ensureServerBinaries(say);
  if (process.argv[2] !== 'setup-databases') {
    say(`TEMPORAL_SERVER_PATH=${binaries.server}`);
    say(`TEMPORAL_SQL_TOOL_PATH=${binaries.sqlTool}`);
    return;
  }
  const url = process.env.TEMPORAL_POSTGRES_URL;
  if (!url) throw new Error('TEMPORAL_POSTGRES_URL is not set (postgres://user:password@host:port)');
  const server = postgresServerOf(url);
  const databases = {
    temporal: process.env.TEMPORAL_DB || 'temporal',
    visibility: process.env.TEMPORAL_VISIBILITY_DB || 'temporal_visibility',
  };
  await setupTemporalDatabases(binaries.sqlTool, server, databases, say);
  say(`${databases.temporal} and ${databases.visibility} on ${server.host}:${server.port} are at the server's schema.`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
