import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../config/logger';

/** A named readiness check: resolves when the dependency answers, throws (or times out) when not. */
export type ReadinessCheck = () => Promise<void>;

/** Thrown by a check for an expected, passing state (starting, stopping): answered 503, not logged. */
export class NotReadyYet extends Error {
  override name = 'NotReadyYet';
}

export interface WorkerHttpServerOptions {
  port: number;
  logger: Logger;
  /** Checked in parallel on every GET /readyz; all must pass for a 200. */
  readiness: Record<string, ReadinessCheck>;
  /** Extra GET routes, e.g. `/metrics`: path → handler writing the whole response. */
  routes?: Record<string, (res: http.ServerResponse) => void | Promise<void>>;
}

export interface WorkerHttpServer {
  port: number;
  close(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout(check: ReadinessCheck): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  return Promise.race([check(), timeout]).finally(() => clearTimeout(timer));
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * The worker's own small HTTP port (WORKER_HTTP_PORT) for orchestrators: `/healthz` says the
 * process is up, `/readyz` that the database and Temporal answer and the worker is polling, and the
 * extra routes (`/metrics`) whatever they serve.
 */
export async function startWorkerHttpServer(options: WorkerHttpServerOptions): Promise<WorkerHttpServer> {
  const { logger, readiness, routes = {} } = options;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'method not allowed' });
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const names = Object.keys(readiness);
      void Promise.allSettled(names.map((name) => withTimeout(readiness[name]))).then((results) => {
        // Same shape as the API's /readyz: which dependency is down, never why (the log line says).
        const checks: Record<string, 'ok' | 'unavailable'> = {};
        const reasons: Record<string, string> = {};
        results.forEach((r, i) => {
          checks[names[i]] = r.status === 'fulfilled' ? 'ok' : 'unavailable';
          if (r.status === 'rejected' && !(r.reason instanceof NotReadyYet))
            reasons[names[i]] = String(r.reason?.message ?? r.reason);
        });
        const ready = results.every((r) => r.status === 'fulfilled');
        if (Object.keys(reasons).length) logger.warn(reasons, 'not ready');
        sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable', checks });
      });
      return;
    }
    const route = routes[path];
    if (route) {
      void Promise.resolve()
        .then(() => route(res))
        .catch((err: unknown) => {
          logger.error({ err, path }, 'worker HTTP route failed');
          if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
          else res.end();
        });
      return;
    }
    sendJson(res, 404, { error: 'not found' });
  });
  // Health probes are short; don't let an idle keep-alive connection hold up shutdown.
  server.keepAliveTimeout = 1_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, paths: ['/healthz', '/readyz', ...Object.keys(routes)] }, 'worker HTTP server listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
