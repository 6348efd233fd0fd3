import path from 'node:path';

export type DatabaseKind = 'sqlite' | 'postgresql';

export interface DatabaseTarget {
  kind: DatabaseKind;
  /** For SQLite: an absolute file path. For PostgreSQL: the connection string. */
  location: string;
}

/**
 * `file:/abs/path.db` or `file:./relative.db` (resolved against the working directory) selects SQLite;
 * `postgres://` or `postgresql://` selects PostgreSQL. Anything else is refused.
 */
export function parseDatabaseUrl(url: string, cwd = process.cwd()): DatabaseTarget {
  if (url.startsWith('file:')) {
    const file = url.slice('file:'.length).split('?')[0];
    if (!file) throw new Error('a file: URL needs a path, e.g. file:./.data/dev.db');
    return { kind: 'sqlite', location: path.resolve(cwd, file) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgresql', location: url };
  throw new Error('expected file:<path> (SQLite) or postgres://… (PostgreSQL)');
}
