/**
 * The worker process (`npm run start:worker` in production, `node --import tsx worker/main.ts` under `npm start`):
 * connects to Temporal and the database, runs the cancellation workflows and activities, serves
 * /healthz, /readyz and /metrics on WORKER_HTTP_PORT, and shuts down gracefully on SIGTERM / SIGINT.
 */
import fs from 'node:fs';
import path from 'node:path';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { ConfigError, loadWorkerConfig, webhookSecretKey, type WorkerConfig } from '../config';
import { createLogger, type Logger } from '../config/logger';
import { temporalConnectionOptions } from '../config/temporal';
import { createDb } from '../db/client';
import { pingDatabase } from '../db/health';
import { bundleWorkflows, createWorker } from './create-worker';
import { NotReadyYet, startWorkerHttpServer } from './http';
import { createWorkerMetrics } from './metrics';
import { createEventDispatcher, outboundDeps, startOutboxSweep } from './outbound';
import { createOutboxRelay } from './outbox-relay';
import { outboundTaskQueueOf } from '../domain/events';
import { temporalLoggerFor } from './sdk-logger';

/** After this long, a shutdown that is still waiting (e.g. on a stuck activity) gives up and exits. */
const SHUTDOWN_DEADLINE_MS = 45_000;
/** How long a shutdown waits for the outbox relay's events under way, once the Temporal workers have stopped. */
const RELAY_DRAIN_MS = 10_000;

/**
 * WORKFLOW_BUNDLE_PATH, else the bundle `npm run build` wrote next to the compiled worker
 * (dist/workflow-bundle.js when this file runs as dist/worker/main.js). From source (tsx) there is
 * no such file beside worker/, so development always bundles the current workflows/ at start-up.
 */
function workflowBundlePath(config: WorkerConfig): string | undefined {
  if (config.WORKFLOW_BUNDLE_PATH) return path.resolve(config.WORKFLOW_BUNDLE_PATH);
  const built = path.resolve(__dirname, '..', 'workflow-bundle.js');
  return fs.existsSync(built) ? built : undefined;
}

async function main(config: WorkerConfig, logger: Logger): Promise<void> {
  const debug = config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'trace';
  // The SDK's own metrics (task latencies, slots, polls, the workflow's cancellation_stage_changes)
  // come from the Rust core's exporter, on an internal port that our /metrics reads and appends.
  const sdkMetricsAddress = config.WORKER_SDK_METRICS_PORT ? `127.0.0.1:${config.WORKER_SDK_METRICS_PORT}` : undefined;
  // Once per process: tests that run workers in-process keep the default runtime (no exporter).
  try {
    Runtime.install({
      logger: temporalLoggerFor(logger),
      // This process decides when and how to shut down (below), not the SDK's own signal handlers.
      shutdownSignals: [],
      telemetryOptions: {
        logging: { filter: { core: debug ? 'DEBUG' : 'WARN', other: 'ERROR' }, forward: {} },
        ...(sdkMetricsAddress ? { metrics: { prometheus: { bindAddress: sdkMetricsAddress } } } : {}),
      },
    });
  } catch (err) {
    if (!sdkMetricsAddress) throw err;
    // e.g. another worker on this machine holds the port: say which variable moves it.
    throw new Error(
      `could not start the Temporal SDK metrics exporter on ${sdkMetricsAddress} (WORKER_SDK_METRICS_PORT): ` +
        (err instanceof Error ? err.message : String(err)),
    );
  }
  const metrics = createWorkerMetrics({
    logger,
    sdkMetricsUrl: sdkMetricsAddress ? `http://${sdkMetricsAddress}/metrics` : undefined,
    defaultMetrics: true,
  });

  const { db, kind } = createDb(config.DATABASE_URL);
  // Filled in as start-up proceeds; the readiness checks and the signal handler see what exists so far.
  const started: { connection?: NativeConnection; workers?: Worker[]; running?: Promise<unknown> } = {};
  let stopping = false;

  const http = await startWorkerHttpServer({
    port: config.WORKER_HTTP_PORT,
    logger,
    routes: { '/metrics': (res) => metrics.serve(res) },
    readiness: {
      database: () => pingDatabase(db),
      temporal: async () => {
        if (!started.connection) throw new NotReadyYet('connecting');
        await started.connection.workflowService.getSystemInfo({});
      },
      worker: async () => {
        if (stopping) throw new NotReadyYet('shutting down');
        // Both workers (cancellations and outbound) must be running.
        const notRunning = (started.workers ?? []).map((w) => w.getState()).find((s) => s !== 'RUNNING');
        if (!started.workers || notRunning) throw new NotReadyYet(notRunning ?? 'STARTING');
      },
    },
  });

  const cleanUp = async () => {
    await Promise.allSettled([http.close(), db.$disconnect(), started.connection?.close()]);
  };

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.info({ signal }, 'shutdown already in progress');
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight activities');
    setTimeout(() => {
      logger.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'graceful shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    for (const worker of started.workers ?? [])
      if (worker.getState() !== 'STOPPED' && worker.getState() !== 'FAILED') worker.shutdown();
    // Before the worker existed there is nothing to drain: close what is open and leave.
    if (!started.running) void cleanUp().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  // The client's options type allows an API-key callback; the native connection takes the string.
  const connection = await NativeConnection.connect({
    ...temporalConnectionOptions(config),
    apiKey: config.TEMPORAL_API_KEY,
  });
  started.connection = connection;
  const bundlePath = workflowBundlePath(config);
  const workflowBundle = bundlePath ? { codePath: bundlePath } : await bundleWorkflows(logger);
  // Each committed step's outbox events go to the relay, which hands what fails to their workflows.
  const dispatcher = createEventDispatcher({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
  });
  const channels = outboundDeps({
    smtpUrl: config.SMTP_URL,
    mailFrom: config.MAIL_FROM,
    secretKey: webhookSecretKey(config),
    allowPrivate: config.WEBHOOK_ALLOW_PRIVATE === 'true',
  });
  const relay = createOutboxRelay({ db, outbound: channels, handOver: dispatcher.handOver, logger });
  const common = {
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    db,
    logger,
    workflowBundle,
    activityInterceptors: [metrics.activityInterceptor],
    dispatchEvents: relay.offer,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    workflowStackTraceLimit: config.WORKER_WORKFLOW_STACK_TRACE_LIMIT,
  };
  const worker = await createWorker({
    ...common,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    faultPauseAfterDecisionMs: config.FAULT_PAUSE_AFTER_DECISION_MS,
  });
  // The outbound channels on their own task queue: e-mails and webhooks (API.md v1.2).
  const outbound = await createWorker({
    ...common,
    taskQueue: outboundTaskQueueOf(config.TEMPORAL_TASK_QUEUE),
    outbound: channels,
    maxConcurrentActivityTaskExecutions: 50,
  });
  if (!config.SMTP_URL) logger.warn('SMTP_URL is not set: e-mails are not sent (notifications stay pending)');
  started.workers = [worker, outbound];
  const sweep = startOutboxSweep({ db, dispatch: dispatcher.dispatch, held: relay.holds, logger });

  logger.info(
    {
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      outboundTaskQueue: outboundTaskQueueOf(config.TEMPORAL_TASK_QUEUE),
      database: kind,
      httpPort: http.port,
      sdkMetrics: sdkMetricsAddress ?? 'off',
    },
    'worker running',
  );
  // Either worker stopping stops the other: the process serves both queues or neither.
  const stopOthers = () => {
    for (const w of [worker, outbound]) if (w.getState() === 'RUNNING') w.shutdown();
  };
  started.running = Promise.all([worker.run().finally(stopOthers), outbound.run().finally(stopOthers)]);
  try {
    await started.running;
    logger.info('worker stopped');
  } finally {
    sweep.stop();
    // The events under way finish (a webhook's attempt is bounded by its 10 s timeout); the queued are the sweep's.
    await relay.drain(RELAY_DRAIN_MS);
    await cleanUp();
  }
  if (!stopping) throw new Error('the worker stopped without being asked to');
}

if (require.main === module) {
  let config: WorkerConfig;
  try {
    config = loadWorkerConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'worker' });
  main(config, logger).then(
    () => process.exit(0),
    (err: unknown) => {
      logger.fatal({ err }, 'worker failed');
      process.exit(1);
    },
  );
}
