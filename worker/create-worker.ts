import type { Duration } from '@temporalio/common';
import {
  bundleWorkflowCode,
  NativeConnection,
  Worker,
  type ActivityInterceptorsFactory,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import { createActivities, type ActivityDeps, type OutboundDeps } from '../activities';
import type { Logger } from '../config/logger';
import type { Db } from '../db/client';
import { temporalLoggerFor } from './sdk-logger';
import { DEFAULT_WORKFLOW_STACK_TRACE_LIMIT, withStackTraceLimit } from './workflow-bundle';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  logger: Logger;
  /**
   * A bundle built by `npm run build` (dist/workflow-bundle.js). Without it the worker bundles
   * workflows/ with webpack at start-up, which is what development and the tests want.
   */
  workflowBundlePath?: string;
  /** A bundle already built in this process (the outbound worker shares the cancellation worker's). */
  workflowBundle?: WorkflowBundleOption;
  /** Hands the outbox events each committed step wrote to the relay (worker/outbox-relay.ts). */
  dispatchEvents?: ActivityDeps['dispatchEvents'];
  /** The outbound channels, for the worker of the outbound task queue. */
  outbound?: OutboundDeps;
  /** Activities run at once (the SDK's default, 100, when omitted). */
  maxConcurrentActivityTaskExecutions?: number;
  /**
   * How long in-flight activities may run on after shutdown was requested before they are
   * cancelled (and retried elsewhere by their retry policy).
   */
  shutdownGraceTime?: Duration;
  /** Fault injection for the fault tests (FAULT_PAUSE_AFTER_DECISION_MS). */
  faultPauseAfterDecisionMs?: number;
  /** Workflows kept in memory between their events (WORKER_MAX_CACHED_WORKFLOWS); the SDK's own default when omitted. */
  maxCachedWorkflows?: number;
  /** Frames a stack trace keeps in the workflows' context (WORKER_WORKFLOW_STACK_TRACE_LIMIT), set on any bundle given; its default when omitted. */
  workflowStackTraceLimit?: number;
  /** Around every activity attempt, local ones included: worker/metrics.ts counts them. */
  activityInterceptors?: ActivityInterceptorsFactory[];
}

/** Long enough for every activity of this service (each does a few database writes). */
const DEFAULT_SHUTDOWN_GRACE_TIME: Duration = '30s';

/**
 * Bundles workflows/ now. Webpack's statistics go to the debug level: in development one line
 * saying the bundle was built is enough.
 */
export async function bundleWorkflows(logger: Logger): Promise<WorkflowBundleOption> {
  const started = Date.now();
  const sdkLogger = temporalLoggerFor(logger);
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    logger: { ...sdkLogger, info: (message, meta) => sdkLogger.debug(message, meta) },
  });
  logger.info({ ms: Date.now() - started, bytes: bundle.code.length }, 'workflow bundle built from workflows/');
  return bundle;
}

/**
 * The one place that wires a Temporal worker: the service's workflows and its activities, built
 * from the factory with this process's database client. Used by worker/main.ts and by tests that
 * want a real worker in-process.
 */
export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const { connection, namespace, taskQueue, db, logger, workflowBundlePath } = options;
  logger.info({ namespace, taskQueue, workflowBundlePath }, 'creating Temporal worker');
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    workflowBundle: withStackTraceLimit(
      options.workflowBundle ?? (workflowBundlePath ? { codePath: workflowBundlePath } : await bundleWorkflows(logger)),
      options.workflowStackTraceLimit ?? DEFAULT_WORKFLOW_STACK_TRACE_LIMIT,
    ),
    activities: createActivities({
      db,
      dispatchEvents: options.dispatchEvents,
      outbound: options.outbound,
      ...(options.faultPauseAfterDecisionMs
        ? {
            faults: {
              pauseAfterDecisionMs: options.faultPauseAfterDecisionMs,
              log: (message: string) => logger.warn(message),
            },
          }
        : {}),
    }),
    interceptors: { activity: options.activityInterceptors ?? [] },
    shutdownGraceTime: options.shutdownGraceTime ?? DEFAULT_SHUTDOWN_GRACE_TIME,
    ...(options.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: options.maxCachedWorkflows }),
    ...(options.maxConcurrentActivityTaskExecutions === undefined
      ? {}
      : { maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions }),
  });
}
