/**
 * `npm run db:seed -- <file.json>`: loads a fixture (API.md, "Fixtures") in one transaction.
 * `npm run db:seed -- --demo` loads the demo fixture (dates relative to today).
 * An invalid file is refused whole with the bad paths named, and the exit code is non-zero.
 */
import fs from 'node:fs';
import { createDb } from '../db/client';
import { FixtureError, loadFixture, parseFixture } from '../db/fixtures';
import { buildDemoFixture } from './demo-fixture';

async function main(): Promise<number> {
  const arg = process.argv[2];
  if (!arg) {
    process.stderr.write('usage: npm run db:seed -- <fixture.json> | --demo\n');
    return 2;
  }
  let raw: unknown;
  if (arg === '--demo') raw = buildDemoFixture();
  else {
    try {
      raw = JSON.parse(fs.readFileSync(arg, 'utf8'));
    } catch (err) {
      process.stderr.write(`${arg}: cannot read JSON: ${(err as Error).message}\n`);
      return 1;
    }
  }
  const { db } = createDb(process.env.DATABASE_URL ?? 'file:./.data/dev.db');
  try {
    const loaded = await loadFixture(db, parseFixture(raw));
    process.stdout.write(`Loaded ${loaded.accounts} account(s) and ${loaded.subscriptions} subscription(s).\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof FixtureError)) throw err;
    process.stderr.write(`Fixture refused, nothing was written:\n  ${err.problems.join('\n  ')}\n`);
    return 1;
  } finally {
    await db.$disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  },
);
