import { buildOpenApiDocument } from '../openapi';
import type { AnyRoute } from '../routing';
import { accountRoutes } from './accounts';
import { cancellationRoutes } from './cancellations';
import { operationRoutes } from './operations';
import { portalSessionRoutes } from './portal-sessions';
import { subscriptionRoutes } from './subscriptions';
import { supportRoutes } from './support';
import { webhookRoutes } from './webhooks';

let document: Record<string, unknown> | undefined;

/** Every route of the API, in the order they are registered and documented. */
export const routes: readonly AnyRoute[] = [
  ...operationRoutes(() => (document ??= buildOpenApiDocument(routes))),
  ...subscriptionRoutes,
  ...cancellationRoutes,
  ...accountRoutes,
  ...supportRoutes,
  ...webhookRoutes,
  ...portalSessionRoutes,
];
