/**
 * Child processes for the local stack (scripts/dev.ts) and the end-to-end tests: each runs in its
 * own process group, so stopping it also stops whatever it spawned (the Temporal CLI runs the
 * server as a child), and nothing outlives the parent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import readline from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<ExitStatus>;
  /** The exit status once exited, else undefined. */
  readonly status: ExitStatus | undefined;
  /** The last lines the process wrote (stdout and stderr), for error messages. */
  tail(): string;
  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves once no process of the group is left. */
  stop(graceMs?: number): Promise<ExitStatus>;
}

export interface StartOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Receives each output line; by default lines are kept only for `tail()`. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

const TAIL_LINES = 40;

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Every group started here and not yet reaped, so an unexpected exit of the parent can kill them. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort (e.g. an uncaught exception in the parent): no orphaned server or worker is left.
  process.on('exit', () => {
    for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
  });
}

export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: StartOptions = {},
): ManagedProcess {
  installExitHook();
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (stream: 'stdout' | 'stderr') => (line: string) => {
    lines.push(line);
    if (lines.length > TAIL_LINES) lines.shift();
    options.onLine?.(line, stream);
  };
  readline.createInterface({ input: child.stdout! }).on('line', collect('stdout'));
  readline.createInterface({ input: child.stderr! }).on('line', collect('stderr'));

  let status: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('error', (err) => {
      lines.push(`${name}: ${err.message}`);
      status ??= { code: 127, signal: null };
      resolve(status);
    });
    child.once('exit', (code, signal) => {
      status = { code, signal };
      resolve(status);
    });
  });
  const pgid = child.pid;
  if (pgid !== undefined) {
    liveGroups.add(pgid);
    void exited.then(() => {
      // The leader is gone; anything it left in its group goes with it.
      if (groupAlive(pgid)) killGroup(pgid, 'SIGKILL');
      liveGroups.delete(pgid);
    });
  }

  const stop = async (graceMs = 30_000): Promise<ExitStatus> => {
    if (pgid === undefined) return exited;
    if (!status) {
      killGroup(pgid, 'SIGTERM');
      const grace = new AbortController();
      const timedOut = await Promise.race([
        exited.then(() => false),
        delay(graceMs, true, { signal: grace.signal }).catch(() => false),
      ]);
      grace.abort();
      if (timedOut) killGroup(pgid, 'SIGKILL');
    }
    const result = await exited;
    for (let i = 0; i < 50 && groupAlive(pgid); i++) {
      killGroup(pgid, 'SIGKILL');
      await delay(100);
    }
    return result;
  };

  return {
    name,
    child,
    exited,
    get status() {
      return status;
    },
    tail: () => lines.join('\n'),
    stop,
  };
}

export function describeExit({ code, signal }: ExitStatus): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
}

/** A TCP port free right now on 127.0.0.1 (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** True when something accepts TCP connections on host:port. */
export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface WaitOptions {
  timeoutMs: number;
  /** Fail early, with its last output, if this process exits while waiting. */
  process?: ManagedProcess;
  /** Stop waiting (rejecting) when aborted, e.g. when the stack is being stopped. */
  signal?: AbortSignal;
  intervalMs?: number;
}

/** Polls `check` until it returns true; fails if `process` exits, on `signal`, and after `timeoutMs`. */
export async function waitUntil(what: string, check: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = '';
  for (;;) {
    options.signal?.throwIfAborted();
    const proc = options.process;
    if (proc?.status)
      throw new Error(`${proc.name} ${describeExit(proc.status)} while waiting for ${what}:\n${proc.tail()}`);
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${options.timeoutMs} ms waiting for ${what}${lastError ? ` (${lastError})` : ''}`,
      );
    await delay(options.intervalMs ?? 250);
  }
}

/** One GET without keep-alive (a probe must not hold a connection that delays the server's shutdown). */
function getStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 3_000 }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('timeout', () => req.destroy(new Error(`no answer from ${url} within 3 s`)));
    req.once('error', reject);
  });
}

/** Waits until GET `url` answers 200. */
export function waitForHttpOk(url: string, options: WaitOptions): Promise<void> {
  return waitUntil(url, async () => (await getStatus(url)) === 200, options);
}
