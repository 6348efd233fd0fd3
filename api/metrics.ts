import express, { type Request, type RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from '../config/logger';
import type { Db } from '../db/client';
import { countCancellationsByStage } from '../db/cancellation-reads';
import { CancellationStages } from '../domain/types';
import { DOCS_ASSETS_PATH } from './docs';
import type { ServiceEvents } from './services/context';

export interface ApiMetricsOptions {
  db: Db;
  logger: Logger;
  /** Node's process metrics (CPU, memory, event loop, GC); on in the API process. */
  defaultMetrics?: boolean;
}

export interface ApiMetrics {
  registry: Registry;
  /** For createApp's `instrumentation` slot: counts every request and serves GET /metrics. */
  instrumentation: RequestHandler[];
  /** For createApp's `events`: the services' counters. */
  events: ServiceEvents;
}

/** Requests that matched no route (unknown paths, bodies refused before routing). */
const UNMATCHED_ROUTE = 'unmatched';

/**
 * The route template (`/v1/cancellations/:id`), never the raw path: ids in paths would make one
 * series per cancellation.
 */
function routeOf(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path === 'string') return `${req.baseUrl}${path}`;
  // The files behind /docs are served by static middleware, not routes: one series for all of them.
  if (req.originalUrl.startsWith(`${DOCS_ASSETS_PATH}/`)) return `${DOCS_ASSETS_PATH}/*`;
  return UNMATCHED_ROUTE;
}

/**
 * Prometheus metrics of the API, at GET /metrics on its own port (API.md: for operators, not part of
 * the OpenAPI document): requests and latency by route template and status, cancellations by stage
 * (counted in the database at scrape time, so every API instance reports the same truth), and Node's
 * process metrics.
 */
export function createApiMetrics(options: ApiMetricsOptions): ApiMetrics {
  const { db, logger } = options;
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration until the response is sent, by method, route template and status',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  new Gauge({
    name: 'cancellations',
    help: 'Cancellations in the database by stage, counted at scrape time',
    labelNames: ['stage'],
    registers: [registry],
    async collect() {
      try {
        const counts = await countCancellationsByStage(db);
        this.reset();
        // Every known stage is reported, 0 included, so alerts on a stage have a series to look at.
        for (const stage of new Set<string>([...CancellationStages, ...Object.keys(counts)]))
          this.set({ stage }, counts[stage] ?? 0);
      } catch (err) {
        // The rest of the scrape stays useful; a missing series says the database did not answer.
        this.reset();
        logger.warn({ err }, 'could not count cancellations by stage for /metrics');
      }
    },
  });

  const verificationFailures = new Counter({
    name: 'support_verification_failures_total',
    help: 'Failed support verifications (P12); 5 for one account within 15 minutes lock it for 15 minutes',
    registers: [registry],
  });

  const measure: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const labels = { method: req.method, route: routeOf(req), status: String(res.statusCode) };
      requests.inc(labels);
      duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };

  const endpoint = express.Router();
  endpoint.get('/metrics', async (_req, res) => {
    const text = await registry.metrics();
    res.type(registry.contentType).send(text);
  });

  return {
    registry,
    instrumentation: [measure, endpoint],
    events: { verificationFailed: () => verificationFailures.inc() },
  };
}
