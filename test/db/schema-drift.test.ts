import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const PRISMA = path.join(ROOT, 'node_modules', '.bin', 'prisma');
const MODELS_MARKER = '// ---- models';

function schemaPath(kind: string): string {
  return path.join(ROOT, 'prisma', kind, 'schema.prisma');
}

function modelsOf(kind: string): string {
  const text = fs.readFileSync(schemaPath(kind), 'utf8');
  const at = text.indexOf(MODELS_MARKER);
  if (at < 0) throw new Error(`${schemaPath(kind)} has no "${MODELS_MARKER}" marker`);
  return text.slice(at);
}

/**
 * The differences between what the database holds and what its schema describes, as `prisma migrate
 * diff` lists them (empty when none). `migrate diff --from-url` needs the native schema engine, which
 * this project does not download; under the JS engine the database is introspected with `db pull`
 * (through the same driver adapter as the app) and the two datamodels are compared.
 */
async function driftOf(testDb: TestDatabase): Promise<string> {
  const env = { ...process.env, DATABASE_URL: testDb.url, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
  const pulled = await run(PRISMA, ['db', 'pull', '--print'], { cwd: ROOT, env, maxBuffer: 10_000_000 });
  // `db pull --print` writes a warning about the adapter before the schema: keep the schema only.
  const start = pulled.stdout.search(/^(generator|datasource) /m);
  expect(start).toBeGreaterThanOrEqual(0);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'drift-')), 'introspected.prisma');
  fs.writeFileSync(file, pulled.stdout.slice(start));
  try {
    const args = ['migrate', 'diff', '--from-schema-datamodel', file, '--to-schema-datamodel', schemaPath(testDb.kind)];
    const { stdout } = await run(PRISMA, [...args, '--script'], { cwd: ROOT, env });
    return stdout
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('--') && !line.startsWith('Loaded Prisma config'))
      .join('\n');
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

describe('the Prisma schemas', () => {
  it('keep the models of SQLite and PostgreSQL identical', () => {
    expect(modelsOf('postgresql')).toBe(modelsOf('sqlite'));
  });

  describe(`a freshly migrated ${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'SQLite'} database`, () => {
    let testDb: TestDatabase;
    beforeAll(async () => {
      testDb = await createTestDatabase('drift');
    });
    afterAll(() => testDb?.drop());

    it('matches its schema exactly (the checked-in migrations have no drift)', async () => {
      expect(await driftOf(testDb)).toBe('');
    });

    it('is reported as drifting once an index is dropped, so the check above can fail', async () => {
      await testDb.db.$executeRawUnsafe('DROP INDEX "Cancellation_stage_effectiveAt_idx"');
      expect(await driftOf(testDb)).toMatch(/CREATE INDEX "Cancellation_stage_effectiveAt_idx"/);
    });
  });
});
