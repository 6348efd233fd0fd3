/**
 * What `npm start` (scripts/dev.ts) and `npm run cluster` (scripts/cluster.ts) share: child processes watched
 * so that any one dying stops everything, Ctrl-C or SIGTERM stopping them all (the Temporal server's processes
 * last: a worker may need it to finish its activities), the application database migrated and seeded, and the
 * worker and API started as `node --import tsx` children whose log lines are printed readably.
 */
import path from 'node:path';
import { createDb } from '../../db/client';
import { loadFixture, parseFixture } from '../../db/fixtures';
import { buildDemoFixture, DEMO_TOKENS } from '../demo-fixture';
import { formatLine } from './format-line';
import { startMailSink } from './mail-sink';
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

/**
 * The outbound settings of both demo stacks (API.md v1.2): SMTP_URL when set, else a catch-all SMTP sink in this
 * process that saves every mail in `<dataDir>/mail/`; webhooks to this machine's receivers allowed. Returns the
 * environment to give the workers and APIs, and the line that says where the mails go.
 */
export async function demoOutbound(dataDir: string): Promise<{ env: Record<string, string>; mailLine: string }> {
  const allowPrivate = { WEBHOOK_ALLOW_PRIVATE: process.env.WEBHOOK_ALLOW_PRIVATE ?? 'true' };
  if (process.env.SMTP_URL) return { env: allowPrivate, mailLine: '  E-mails:      sent through SMTP_URL' };
  const mailDir = path.join(dataDir, 'mail');
  // In this process: it lives exactly as long as the stack.
  const sink = await startMailSink({ dir: mailDir });
  return {
    env: { ...allowPrivate, SMTP_URL: sink.url },
    mailLine: `  E-mails:      every mail sent is saved as a .eml file in ${path.relative(ROOT, mailDir)}/ (SMTP sink on ${sink.url})`,
  };
}

/** The demo fixture's tokens, as both stacks print them once ready. */
export function sayDemoTokens(say: (line: string) => void): void {
  say('  Demo tokens (Authorization: Bearer <token>):');
  for (const [who, token] of Object.entries(DEMO_TOKENS)) say(`    ${who.padEnd(22)} ${token}`);
}
