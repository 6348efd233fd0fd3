/**
 * The workflows' V8 context, as the worker loads it: how many frames a stack trace captured there keeps.
 *
 * SDK 1.24 records the stack of every promise a workflow creates (for the `__stack_trace` query, the Web UI's
 * "Stack Trace" tab): each capture walks up to `Error.stackTraceLimit` frames and maps every one through the
 * bundle's source map. With V8's default of 10 that was a quarter of the workflow thread's time (2026-12-07
 * profile, README "Performance"). The limit has to be set inside the context, by the bundle's first statement:
 * the SDK freezes the context's globals once the bundle has run.
 */
import fs from 'node:fs';
import type { WorkflowBundle, WorkflowBundleOption } from '@temporalio/worker';

/**
 * WORKER_WORKFLOW_STACK_TRACE_LIMIT's default: every stack of a waiting cancellation still names this service's
 * code (two of the frames are the SDK's promise hook's; at 4 the SDK no longer links a `Promise.race`'s inner
 * promise to its caller, and the timer's stack shows only the SDK's frames).
 */
export const DEFAULT_WORKFLOW_STACK_TRACE_LIMIT = 6;
/** The most WORKER_WORKFLOW_STACK_TRACE_LIMIT takes (V8's own default is 10). */
export const MAX_WORKFLOW_STACK_TRACE_LIMIT = 100;

const PRELUDE = /^Error\.stackTraceLimit = \d+;/;

/** The bundle (built in this process, or a file `npm run build` wrote) with its context's stack-trace limit set. */
export function withStackTraceLimit(bundle: WorkflowBundleOption, limit: number): WorkflowBundle {
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_WORKFLOW_STACK_TRACE_LIMIT)
    throw new RangeError(`a stack-trace limit is a whole number from 0 to ${MAX_WORKFLOW_STACK_TRACE_LIMIT}: ${limit}`);
  const code = 'code' in bundle ? bundle.code : fs.readFileSync(bundle.codePath, 'utf8');
  // On the first line, before webpack's `var __TEMPORAL__;`: the inline source map's lines stay where they were.
  return { code: `Error.stackTraceLimit = ${limit};${code.replace(PRELUDE, '')}` };
}
