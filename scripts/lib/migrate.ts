import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Runs `prisma migrate deploy` (the JS schema engine through the driver adapter; prisma.config.ts
 * picks the schema from DATABASE_URL). `migrate dev` is not used: migrations are written with
 * `prisma migrate diff` and checked in.
 */
export async function migrateDatabase(databaseUrl: string): Promise<void> {
  const prisma = path.join(ROOT, 'node_modules', '.bin', 'prisma');
  try {
    await run(prisma, ['migrate', 'deploy'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`prisma migrate deploy failed:\n${e.stderr || e.stdout || e.message}`);
  }
}
