/**
 * A PostgreSQL server of the test's own, never the one CI shares: `initdb` as the `postgres` user into a
 * temporary folder, its own free port, trust authentication on 127.0.0.1, stopped and started again by the
 * test. Needs root (to run the server's binaries as `postgres`) and PostgreSQL's server binaries
 * (/usr/lib/postgresql/<version>/bin, or PG_BIN_DIR), which `.ci/run` provides.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../scripts/lib/processes';

const run = promisify(execFile);

export interface ThrowawayPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  /** `pg_ctl stop -m fast`: sessions are ended, new connections refused. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it if running and deletes its folder. */
  destroy(): Promise<void>;
}

function binDir(): string {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(a) - Number(b))
    : [];
  if (!versions.length)
    throw new Error(`no PostgreSQL server binaries under ${root} (install postgresql, or set PG_BIN_DIR)`);
  return path.join(root, versions[versions.length - 1], 'bin');
}

/** Runs a command as the `postgres` user (`su`), throwing with its output when it fails. */
async function asPostgres(command: string): Promise<void> {
  try {
    await run('su', ['postgres', '-c', command], { timeout: 120_000 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command}\n${e.stderr || e.stdout || e.message}`);
  }
}

export async function createThrowawayPostgres(): Promise<ThrowawayPostgres> {
  if (process.getuid?.() !== 0)
    throw new Error('the PostgreSQL fault test runs initdb as the postgres user: run it as root (as .ci/run does)');
  const bin = binDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-pg-'));
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
  fs.chownSync(dir, uid, gid);
  const data = path.join(dir, 'data');
  const port = await freePort();
  const ctl = (args: string) => `${bin}/pg_ctl -D ${data} -w -t 60 ${args}`;
  let running = false;
  const start = async () => {
    // fsync off: a throwaway server; the socket in the folder itself, not a shared /var/run.
    await asPostgres(
      ctl(`-l ${dir}/server.log -o "-p ${port} -k ${dir} -c fsync=off -c listen_addresses=127.0.0.1" start`),
    );
    running = true;
  };
  const stop = async () => {
    await asPostgres(ctl('-m fast stop'));
    running = false;
  };
  await asPostgres(`${bin}/initdb -D ${data} -A trust -U postgres --no-sync -E UTF8`);
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop,
    start,
    destroy: async () => {
      if (running) await stop().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
