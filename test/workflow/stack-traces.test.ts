/**
 * The workflows' stack-trace limit (worker/workflow-bundle.ts, WORKER_WORKFLOW_STACK_TRACE_LIMIT): every stack
 * the SDK records in the workflows' context keeps at most that many frames, which is what the `__stack_trace`
 * query (the Web UI's "Stack Trace" tab) shows; a worker started with a higher limit shows deeper stacks.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import {
  DEFAULT_WORKFLOW_STACK_TRACE_LIMIT,
  MAX_WORKFLOW_STACK_TRACE_LIMIT,
  withStackTraceLimit,
} from '../../worker/workflow-bundle';
import { WorkflowHarness } from './harness';

const h = new WorkflowHarness();
beforeAll(() => h.setUp('wf-stack-traces'), 120_000);
afterAll(() => h.tearDown());

/** The `__stack_trace` query of a cancellation accepted and waiting (P1), on a worker with this bundle. */
async function stackTraceOfWaitingCancellation(limit?: number): Promise<string> {
  const taskQueue = `${h.taskQueue}-stack-${limit ?? 'default'}`;
  const worker = await Worker.create({
    connection: h.env.nativeConnection,
    taskQueue,
    workflowBundle: limit === undefined ? h.bundle : withStackTraceLimit(h.bundle, limit),
    activities: createActivities({ db: h.db }),
  });
  return worker.runUntil(async () => {
    const view = await h.accept(h.request(await h.seed()), taskQueue);
    const trace = await h.handle(view).query<string>('__stack_trace');
    await h.handle(view).terminate('test cleanup');
    return trace;
  });
}

/** Frames per recorded stack: the query joins the stacks with a blank line. */
const framesPerStack = (trace: string) =>
  trace.split('\n\n').map((stack) => stack.split('\n').filter((line) => line.trimStart().startsWith('at ')).length);

describe('the stack-trace limit in the workflows context', () => {
  it(`keeps at most ${DEFAULT_WORKFLOW_STACK_TRACE_LIMIT} frames per stack by default, and deeper stacks with a higher limit`, async () => {
    const trace = await stackTraceOfWaitingCancellation();
    const short = framesPerStack(trace);
    const deep = framesPerStack(await stackTraceOfWaitingCancellation(20));
    expect(short.length).toBeGreaterThan(0);
    expect(Math.max(...short)).toBeLessThanOrEqual(DEFAULT_WORKFLOW_STACK_TRACE_LIMIT);
    expect(Math.max(...deep)).toBeGreaterThan(Math.max(...short));
    // Still where it waits (the race of its timer and its messages, in the lifecycle's loop), and every stack
    // names this service's workflow code: none made of the SDK's frames alone.
    expect(trace).toMatch(/at race \(.*workflows\/cancellation\.ts:\d+:\d+\)\n\s+at lifecycle \(/);
    for (const stack of trace.split('\n\n')) expect(stack).toMatch(/workflows\/cancellation\.ts:\d+/);
  }, 60_000);

  it('sets the limit once, on the first line (the inline source map keeps its lines), for a built file too', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-')), 'workflow-bundle.js');
    fs.writeFileSync(file, 'var __TEMPORAL__;\nrest();\n');
    const once = withStackTraceLimit({ codePath: file }, 3);
    expect(once.code).toBe('Error.stackTraceLimit = 3;var __TEMPORAL__;\nrest();\n');
    expect(withStackTraceLimit(once, 7).code).toBe('Error.stackTraceLimit = 7;var __TEMPORAL__;\nrest();\n');
    expect(h.bundle.code.split('\n').length).toBe(
      withStackTraceLimit(h.bundle, MAX_WORKFLOW_STACK_TRACE_LIMIT).code.split('\n').length,
    );
  });

  it('refuses a limit that is not a whole number from 0 to the maximum', () => {
    for (const limit of [-1, 2.5, MAX_WORKFLOW_STACK_TRACE_LIMIT + 1, Number.NaN])
      expect(() => withStackTraceLimit({ code: '' }, limit)).toThrow(RangeError);
  });
});
