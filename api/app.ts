import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from '../config/logger';
import type { Db } from '../db/client';
import { cors } from './cors';
import { DEFAULT_REQUEST_DEADLINE_MS, requestDeadline } from './deadline';
import { DOCS_ASSETS_PATH, docsAssets } from './docs';
import { errorHandler, unknownRoute } from './errors';
import { requestContext } from './request-context';
import { mountRoutes } from './routing';
import { routes } from './routes';
import { portalRouter } from '../portal/routes';
import { DEVELOPMENT_SECRET_KEY, createSecretBox, parseSecretKey } from '../outbound/webhooks/secret-box';
import { noServiceEvents, type ServiceEvents, type Services, type WebhookSettings } from './services/context';
import type { WorkflowGateway } from './workflow-client';

export interface AppDeps {
  db: Db;
  workflows: WorkflowGateway;
  logger: Logger;
  clock?: () => Date;
  /** CORS stays off unless origins are given (CORS_ORIGINS). */
  corsOrigins?: string[];
  /** Check every JSON answer against its documented schema (tests). */
  validateResponses?: boolean;
  /**
   * Middleware run for every request before the routes, after the request id is set: the slot for
   * instrumentation such as Prometheus metrics and a `/metrics` endpoint (not part of the spec).
   */
  instrumentation?: RequestHandler[];
  /** Where the services report events for operators (the API's Prometheus counters). */
  events?: ServiceEvents;
  /** API.md: one deadline per request; past it the answer is 503 (REQUEST_DEADLINE_MS, 10 s by default). */
  requestDeadlineMs?: number;
  /** Webhook secrets' sealing key and the private-address rule; the development key and no private ones by default. */
  webhooks?: WebhookSettings;
  /** PUBLIC_URL: the origin portal links are built on; the request's own origin when unset. */
  publicUrl?: string;
}

export const JSON_BODY_LIMIT = '100kb';

export function createApp(deps: AppDeps): Express {
  const clock = deps.clock ?? (() => new Date());
  const services: Services = {
    db: deps.db,
    workflows: deps.workflows,
    clock,
    logger: deps.logger,
    events: deps.events ?? noServiceEvents,
    webhooks: deps.webhooks ?? {
      secretBox: createSecretBox(parseSecretKey(DEVELOPMENT_SECRET_KEY)),
      allowPrivate: false,
    },
    publicUrl: deps.publicUrl,
  };
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use(requestContext(deps.logger));
  app.use(requestDeadline(deps.requestDeadlineMs ?? DEFAULT_REQUEST_DEADLINE_MS));
  app.use(
    helmet({
      // The API is also served over plain HTTP (local dev, behind a TLS-terminating proxy): upgrading /docs'
      // asset requests to https would break the page there.
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    }),
  );
  if (deps.corsOrigins?.length) app.use(cors(deps.corsOrigins));
  for (const handler of deps.instrumentation ?? []) app.use(handler);
  app.use(DOCS_ASSETS_PATH, docsAssets());
  // The self-service portal (issue 15): HTML pages over the same services, with their own errors.
  app.use('/portal', portalRouter(services));

  mountRoutes(app, routes, {
    db: deps.db,
    clock,
    services,
    validateResponses: deps.validateResponses ?? false,
    jsonBody: express.json({ limit: JSON_BODY_LIMIT }),
  });

  app.use(unknownRoute);
  app.use(errorHandler);
  return app;
}
