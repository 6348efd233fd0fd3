import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { createAdapter } from './db/adapters';
import { parseDatabaseUrl } from './db/url';

// Prisma's CLI (migrate deploy, migrate diff) runs on the JS schema engine through the same driver
// adapters as the application: no native engine is downloaded, so it works offline. The schema and
// migrations folder follow DATABASE_URL; `prisma generate --schema …` generates both clients.
const target = parseDatabaseUrl(process.env.DATABASE_URL ?? 'file:./.data/dev.db');
const dir = path.join(__dirname, 'prisma', target.kind);

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(dir, 'schema.prisma'),
  migrations: { path: path.join(dir, 'migrations') },
  adapter: async () => createAdapter(target),
});
