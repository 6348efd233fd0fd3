/**
 * Issue 12: `npm run start:worker:small` keeps the worker's memory small with thousands of cancellations
 * waiting by capping each V8 heap (the main thread's and the workflow threads') and glibc's malloc arenas.
 * These tests check that the script's settings are ones node accepts and that they reach a worker thread,
 * which is where the SDK runs workflows.
 */
import { spawnSync } from 'node:child_process';
import { workerRuntime } from '../../scripts/lib/worker-runtime';

const MB = 1_048_576;

/** Runs `code` in a fresh node with a worker script's settings; its last line of output, parsed. */
function runWith({ env, nodeArgs }: ReturnType<typeof workerRuntime>, code: string): { main: number; thread: number } {
  const child = spawnSync(process.execPath, [...nodeArgs, '-e', code], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(child.stderr).toBe('');
  expect(child.status).toBe(0);
  return JSON.parse(child.stdout.trim().split('\n').pop() as string) as { main: number; thread: number };
}

test('start:worker runs the worker with node defaults', () => {
  expect(workerRuntime('start:worker')).toEqual({ env: {}, nodeArgs: [] });
});

test('start:worker:small sets MALLOC_ARENA_MAX (overridable) and heap limits node accepts', () => {
  const { env, nodeArgs } = workerRuntime('start:worker:small');
  expect(env).toEqual({ MALLOC_ARENA_MAX: '2' });
  expect(nodeArgs).toEqual(expect.arrayContaining([expect.stringMatching(/^--max-old-space-size=\d+$/)]));
  expect(nodeArgs).toEqual(expect.arrayContaining([expect.stringMatching(/^--max-semi-space-size=\d+$/)]));
});

test('the heap limit of start:worker:small applies to worker threads too (the SDK runs workflows in one)', () => {
  const small = workerRuntime('start:worker:small');
  const oldSpaceMb = Number(small.nodeArgs.find((a) => a.startsWith('--max-old-space-size='))?.split('=')[1]);
  const limits = runWith(
    small,
    `
    const v8 = require('node:v8');
    const { Worker } = require('node:worker_threads');
    const w = new Worker("require('node:worker_threads').parentPort.postMessage(require('node:v8').getHeapStatistics().heap_size_limit)", { eval: true });
    w.on('message', (thread) => { console.log(JSON.stringify({ main: v8.getHeapStatistics().heap_size_limit, thread })); w.terminate(); });
  `,
  );
  // The old space plus the young generation (three semi-spaces) and a little slack: far below node's
  // default on this machine (about 4 GB with 24 GB of memory).
  for (const limit of [limits.main, limits.thread]) {
    expect(limit / MB).toBeGreaterThanOrEqual(oldSpaceMb);
    expect(limit / MB).toBeLessThan(oldSpaceMb + 64);
  }
});
