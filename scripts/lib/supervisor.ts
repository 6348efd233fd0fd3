/**
 * What `npm start` (scripts/dev.ts) and `npm run cluster` (scripts/cluster.ts) share: child processes watched
 * so that any one dying stops everything, Ctrl-C or SIGTERM stopping them all (the Temporal server's processes
 * last: a worker may need it to finish its activities), the application database migrated and seeded, and the
 * worker and API started as `node --import tsx` children whose log lines are printed readably.
 */
import path from 'node:path';
import { createDb } from '../../db/client';
import { loadFixture, parseFixture } from '../../db/fixtures';
import { buildDemoFixture } from '../demo-fixture';
import { formatLine } from './format-line';
import { migrateDatabase } from './migrate';
import { describeExit, startProcess, type ManagedProcess } from './processes';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * The children run TypeScript through tsx's loader in a single node process (`node --import tsx`), not under
 * the tsx CLI: the CLI is a second process that relays SIGTERM and SIGKILLs a child that does not acknowledge
 * it within ~60 ms, which a busy worker may miss, cutting its graceful shutdown short.
 */
const NODE_TS = [process.execPath, '--import', 'tsx'] as const;

export interface Supervisor {
  /** Watches a child: its death stops everything. A child watched once stopping has begun is stopped at once. */
  watch(child: ManagedProcess): ManagedProcess;
  /** A worker or API entry point (`worker/main.ts`), started and watched. */
  startNode(name: string, entry: string, env: NodeJS.ProcessEnv): ManagedProcess;
  /** True once stopping has begun: each start-up step checks it and skips the rest. */
  stopping(): boolean;
  /** Aborted when stopping begins, so no start-up probe keeps polling a process being stopped. */
  signal: AbortSignal;
  /** Runs `startUp`, then waits for a signal or a child's death; resolves with the exit code once all stopped. */
  run(startUp: () => Promise<void>): Promise<number>;
}

/** `isServer`: the Temporal server's processes, stopped after every other child. */
export function supervise(say: (line: string) => void, isServer: (child: ManagedProcess) => boolean): Supervisor {
  const children: ManagedProcess[] = [];
  let stopping: Promise<void> | undefined;
  let stopRequested!: () => void;
  const stopSignal = new Promise<void>((resolve) => (stopRequested = resolve));
  const aborted = new AbortController();
  let exitCode = 0;
  const stopAll = (): Promise<void> => {
    stopRequested();
    aborted.abort();
    stopping ??= (async () => {
      await Promise.all(children.filter((c) => !isServer(c)).map((c) => c.stop(40_000)));
      await Promise.all(children.filter(isServer).map((c) => c.stop(15_000)));
    })();
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stopping) say(`\n${signal}: stopping ${children.map((c) => c.name).join(', ') || 'start-up'}…`);
    void stopAll();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const watch = (child: ManagedProcess) => {
    children.push(child);
    if (stopping) void child.stop(isServer(child) ? 15_000 : 40_000);
    void child.exited.then((status) => {
      if (stopping) return;
      exitCode = 1;
      process.stderr.write(`\n${child.name} ${describeExit(status)} unexpectedly; stopping everything.\n`);
      void stopAll();
    });
    return child;
  };
  return {
    watch,
    startNode: (name, entry, env) =>
      watch(
        startProcess(name, NODE_TS[0], [...NODE_TS.slice(1), path.join(ROOT, entry)], {
          cwd: ROOT,
          env,
          onLine: (line) => say(formatLine(name, line)),
        }),
      ),
    stopping: () => stopping !== undefined,
    signal: aborted.signal,
    run: async (startUp) => {
      try {
        await startUp();
      } catch (err) {
        if (!stopping) {
          exitCode = 1;
          process.stderr.write(`\n${err instanceof Error ? err.message : String(err)}\n`);
          void stopAll();
        }
      }
      // Runs until a signal or a child's death starts stopAll().
      await stopSignal;
      await stopping;
      return exitCode;
    },
  };
}

/** Applies the migrations and, when the database holds no account, loads the demo fixture. */
export async function prepareAppDatabase(databaseUrl: string, say: (line: string) => void): Promise<void> {
  await migrateDatabase(databaseUrl);
  const { db } = createDb(databaseUrl);
  try {
    if ((await db.account.count()) === 0) {
      const loaded = await loadFixture(db, parseFixture(buildDemoFixture()));
      say(`Loaded the demo fixture: ${loaded.accounts} accounts, ${loaded.subscriptions} subscriptions.`);
    }
  } finally {
    await db.$disconnect();
  }
}
