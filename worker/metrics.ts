import type http from 'node:http';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from '../config/logger';

export interface WorkerMetricsOptions {
  logger: Logger;
  /**
   * Where the Temporal runtime's Prometheus exporter answers (worker/main.ts binds it on
   * WORKER_SDK_METRICS_PORT). Its text is appended to ours, so operators scrape one target.
   */
  sdkMetricsUrl?: string;
  /** Node's process metrics (CPU, memory, event loop, GC); on in the worker process. */
  defaultMetrics?: boolean;
}

export interface WorkerMetrics {
  registry: Registry;
  /** Counts every activity attempt on this worker, local activities included. */
  activityInterceptor: ActivityInterceptorsFactory;
  /** GET /metrics on the worker's HTTP port: this registry, then the SDK's own series. */
  serve(res: http.ServerResponse): Promise<void>;
}

const SDK_SCRAPE_TIMEOUT_MS = 2_000;

/** A label with few values: the error vocabulary's type for application failures, else the class name. */
function errorType(err: unknown): string {
  if (err instanceof CancelledFailure) return 'cancelled';
  if (err instanceof ApplicationFailure) return err.type ?? 'ApplicationFailure';
  return err instanceof Error ? err.name : 'unknown';
}

export function createWorkerMetrics(options: WorkerMetricsOptions): WorkerMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  const labelNames = ['activity_type', 'local'] as const;
  const executions = new Counter({
    name: 'activity_executions_total',
    help: 'Activity attempts this worker finished (successfully or not), local activities included',
    labelNames,
    registers: [registry],
  });
  const failures = new Counter({
    name: 'activity_failures_total',
    help: 'Activity attempts that threw; retryable ones are retried by their retry policy',
    labelNames: [...labelNames, 'error_type'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'activity_duration_seconds',
    help: 'Duration of activity attempts on this worker',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });

  const activityInterceptor: ActivityInterceptorsFactory = (ctx) => ({
    inbound: {
      async execute(input, next) {
        const labels = { activity_type: ctx.info.activityType, local: String(ctx.info.isLocal) };
        const stopTimer = duration.startTimer(labels);
        try {
          return await next(input);
        } catch (err) {
          failures.inc({ ...labels, error_type: errorType(err) });
          throw err;
        } finally {
          stopTimer();
          executions.inc(labels);
        }
      },
    },
  });

  /** The SDK exporter's text, or a comment saying why it is missing (the rest of the scrape still works). */
  async function sdkMetrics(): Promise<string> {
    if (!options.sdkMetricsUrl) return '';
    try {
      const res = await fetch(options.sdkMetricsUrl, { signal: AbortSignal.timeout(SDK_SCRAPE_TIMEOUT_MS) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return await res.text();
    } catch (err) {
      options.logger.warn({ err, url: options.sdkMetricsUrl }, 'could not read the Temporal SDK metrics');
      return '# Temporal SDK metrics unavailable (see the worker log)\n';
    }
  }

  return {
    registry,
    activityInterceptor,
    async serve(res) {
      const [ours, sdk] = await Promise.all([registry.metrics(), sdkMetrics()]);
      res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
      res.end(ours && !ours.endsWith('\n') ? `${ours}\n${sdk}` : `${ours}${sdk}`);
    },
  };
}
