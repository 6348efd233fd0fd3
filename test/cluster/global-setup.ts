import path from 'node:path';
import pg from 'pg';
import { ensureServerBinaries } from '../../scripts/lib/temporal-cluster';
import faultsSetup from '../faults/global-setup';

const DEFAULT_POSTGRES = 'postgres://cancel:cancel@127.0.0.1:5432/cancel';

/**
 * What the fault suite's set-up gives (the Temporal CLI for the dev server the visibility test compares
 * with, and the workflow bundle built once), plus the Temporal server's binaries (built with Go the first
 * time: minutes) and a PostgreSQL that answers, for Temporal's databases and the application's.
 */
export default async function globalSetup(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL || DEFAULT_POSTGRES;
  if (!/^postgres(ql)?:\/\//.test(url))
    throw new Error('npm run test:cluster runs on PostgreSQL: TEST_DATABASE_URL must be a postgres:// URL');
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `npm run test:cluster needs PostgreSQL at ${new URL(url).host} (TEST_DATABASE_URL; a role that may create ` +
        `databases): ${(err as Error).message}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  process.env.TEST_DATABASE_URL = url;
  const { server, sqlTool } = ensureServerBinaries((line) => process.stdout.write(`${line}\n`));
  process.env.TEMPORAL_SERVER_PATH = path.resolve(server);
  process.env.TEMPORAL_SQL_TOOL_PATH = path.resolve(sqlTool);
  await faultsSetup();
}
