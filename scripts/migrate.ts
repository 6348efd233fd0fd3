/** `npm run db:migrate`: applies the checked-in migrations for DATABASE_URL's database (SQLite or PostgreSQL). */
import { migrateDatabase } from './lib/migrate';

migrateDatabase(process.env.DATABASE_URL ?? 'file:./.data/dev.db').catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
