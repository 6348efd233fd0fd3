/**
 * How the worker is run in production: `npm run start:worker`, or `npm run start:worker:small`, which bounds
 * the V8 heaps (the main thread's and the workflow threads') and glibc's malloc arenas to keep the worker's
 * memory small at a cost in CPU (README, Performance). package.json's scripts are the one place these
 * settings are written; the benchmark reads them from there to measure the worker as it runs.
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** The scripts that run the built worker: the default, and the one that trades throughput for memory. */
export const WORKER_SCRIPTS = ['start:worker', 'start:worker:small'] as const;
export type WorkerScript = (typeof WORKER_SCRIPTS)[number];

export const isWorkerScript = (value: string): value is WorkerScript =>
  (WORKER_SCRIPTS as readonly string[]).includes(value);

/** The environment variables (their defaults) and the node options of one of package.json's worker scripts. */
export function workerRuntime(script: WorkerScript): {
  env: Record<string, string>;
  nodeArgs: string[];
} {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const command = pkg.scripts[script];
  const words = (command ?? '').split(/\s+/).filter(Boolean);
  const nodeAt = words.indexOf('node');
  if (nodeAt < 0) throw new Error(`package.json's ${script} does not run node: ${command}`);
  const env = Object.fromEntries(
    words.slice(0, nodeAt).map((w) => {
      const at = w.indexOf('=');
      return [w.slice(0, at), w.slice(at + 1).replace(/^\$\{\w+:-(.*)\}$/, '$1')];
    }),
  );
  return { env, nodeArgs: words.slice(nodeAt + 1).filter((w) => w.startsWith('--')) };
}
