/**
 * The Temporal CLI's dev server with this project's settings, shared by `npm start` (scripts/dev.ts)
 * and the end-to-end test: the custom search attributes are registered at launch, and a persistent
 * state file gets the SQLite pragmas that keep it fast (WAL, synchronous=NORMAL).
 */
import { Connection } from '@temporalio/client';
import { cliTypeName, searchAttributeKeys } from '../../workflows/search-attributes';
import { startProcess, waitUntil, type ManagedProcess, type StartOptions, type WaitOptions } from './processes';

export interface DevServerOptions {
  cli: string;
  port: number;
  ip?: string;
  namespace?: string;
  /** Web UI port; no UI when omitted. */
  uiPort?: number;
  /** Persistent state file; in memory when omitted. */
  dbFile?: string;
  /** More arguments for `temporal server start-dev` (the benchmark's BENCH_DEV_SERVER_ARGS). */
  extraArgs?: string[];
}

export function devServerArgs(options: Omit<DevServerOptions, 'cli'>): string[] {
  const args = ['server', 'start-dev', '--ip', options.ip ?? '127.0.0.1', '--port', String(options.port)];
  args.push('--namespace', options.namespace ?? 'default');
  if (options.uiPort !== undefined) args.push('--ui-port', String(options.uiPort), '--ui-disable-news-fetch');
  else args.push('--headless');
  if (options.dbFile) {
    args.push('--db-filename', options.dbFile);
    args.push('--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL');
  }
  for (const key of searchAttributeKeys) args.push('--search-attribute', `${key.name}=${cliTypeName(key.type)}`);
  return [...args, ...(options.extraArgs ?? [])];
}

export function startDevServer(options: DevServerOptions, start: StartOptions = {}): ManagedProcess {
  return startProcess('temporal', options.cli, devServerArgs(options), start);
}

/** Waits until the frontend at `address` answers for `namespace` (the dev server creates it at launch). */
export async function waitForTemporal(address: string, namespace: string, options: WaitOptions): Promise<void> {
  await waitUntil(
    `Temporal at ${address} (namespace ${namespace})`,
    async () => {
      const connection = await Connection.connect({ address, connectTimeout: '2s' });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return true;
      } finally {
        await connection.close();
      }
    },
    { ...options, intervalMs: 500 },
  );
}
