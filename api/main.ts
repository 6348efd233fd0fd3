/**
 * The API process: config from the environment, the database, a Temporal client, an HTTP server
 * (with GET /metrics). SIGTERM / SIGINT stop accepting connections, let the requests in flight
 * finish, close keep-alive connections, then close the database and the Temporal connection and
 * exit 0.
 */
import { Client, Connection } from '@temporalio/client';
import { loadApiConfig, webhookSecretKey } from '../config';
import { createLogger } from '../config/logger';
import { temporalConnectionOptions } from '../config/temporal';
import { createDb } from '../db/client';
import { createSecretBox } from '../outbound/webhooks/secret-box';
import { purgeExpiredIdempotencyKeys } from '../db/idempotency';
import { purgeVerificationFailures } from '../db/verification-failures';
import { createApp } from './app';
import { IDEMPOTENCY_TTL_MS } from './idempotency';
import { createApiMetrics } from './metrics';
import { createApiServer } from './server';

const SHUTDOWN_GRACE_MS = 25_000;
const PURGE_EVERY_MS = 60 * 60 * 1000;

async function main(): Promise<void> {
  const config = loadApiConfig();
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'api' });
  // A write waiting on a locked SQLite file gives up at half the request deadline: the answer is a 503 in time.
  const { db, kind } = createDb(config.DATABASE_URL, {
    sqliteBusyTimeoutMs: Math.floor(config.REQUEST_DEADLINE_MS / 2),
  });
  // Lazy: the API starts (and /readyz says what is missing) even while Temporal is still coming up.
  const connection = Connection.lazy(temporalConnectionOptions(config));
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const corsOrigins = config.CORS_ORIGINS?.split(',')
    .map((o) => o.trim())
    .filter(Boolean);

  const metrics = createApiMetrics({ db, logger, defaultMetrics: true });
  const app = createApp({
    db,
    workflows: { client, taskQueue: config.TEMPORAL_TASK_QUEUE },
    logger,
    corsOrigins,
    instrumentation: metrics.instrumentation,
    events: metrics.events,
    requestDeadlineMs: config.REQUEST_DEADLINE_MS,
    publicUrl: config.PUBLIC_URL,
    webhooks: {
      secretBox: createSecretBox(webhookSecretKey(config)),
      allowPrivate: config.WEBHOOK_ALLOW_PRIVATE === 'true',
    },
  });
  const { server, stop } = createApiServer(app);

  const purge = setInterval(() => {
    purgeExpiredIdempotencyKeys(db, new Date(Date.now() - IDEMPOTENCY_TTL_MS)).catch((err: unknown) =>
      logger.warn({ err }, 'could not purge expired idempotency keys'),
    );
    // P12: failures older than the lockout window no longer count; a day's margin keeps them for audits.
    purgeVerificationFailures(db, new Date(Date.now() - IDEMPOTENCY_TTL_MS)).catch((err: unknown) =>
      logger.warn({ err }, 'could not purge old verification failures'),
    );
  }, PURGE_EVERY_MS);
  purge.unref();

  await new Promise<void>((resolve) => server.listen(config.PORT, resolve));
  const address = server.address();
  logger.info(
    {
      port: typeof address === 'object' && address ? address.port : config.PORT,
      database: kind,
      temporal: config.TEMPORAL_ADDRESS,
    },
    'api listening',
  );

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing requests in flight');
    clearInterval(purge);
    const force = setTimeout(() => {
      logger.error('requests still running after the grace period; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    void stop()
      .catch((err: unknown) => logger.warn({ err }, 'server close reported an error'))
      .then(() => Promise.allSettled([db.$disconnect(), connection.close()]))
      .then(() => {
        logger.info('stopped');
        process.exit(0);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  // Before the logger exists (bad config) a plain line is all there is.
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
