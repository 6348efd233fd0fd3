/**
 * Webhook endpoints and deliveries (API.md v1.2): an endpoint belongs to its creator's account and is managed
 * by its super and billing admins. The signing secret is generated here, shown once (at creation and at each
 * rotation), and stored sealed (WEBHOOK_SECRET_KEY).
 */
import type { z } from 'zod';
import { SecretOverlapMs } from '../../domain/events';
import { ErrorCode } from '../../domain/errors';
import { mayManageWebhooks } from '../../domain/roles';
import type { PageRequest } from '../../db/pagination';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  findWebhookDelivery,
  findWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  requeueWebhookDelivery,
  rotateWebhookSecret,
  type WebhookDelivery,
  type WebhookEndpoint,
} from '../../db/webhooks';
import { checkWebhookUrl } from '../../outbound/webhooks/address';
import { generateWebhookSecret } from '../../outbound/webhooks/signing';
import type { UserPrincipal } from '../auth';
import { ApiError, notFound } from '../errors';
import type {
  CreateWebhookEndpointBody,
  WebhookDelivery as DeliveryView,
  WebhookEndpoint as EndpointView,
} from '../webhook-schemas';
import { startWebhookRedelivery } from '../workflow-client';
import type { Services } from './context';
import { objectIdFor } from './request-ids';

type Endpoint = z.output<typeof EndpointView>;

function assertManager(principal: UserPrincipal): void {
  if (!mayManageWebhooks(principal.roles))
    throw new ApiError(
      'permission_error',
      ErrorCode.roleNotPermitted,
      'Only a super admin or a billing admin of the account may manage its webhook endpoints.',
    );
}

export function endpointView(e: WebhookEndpoint): Endpoint {
  return {
    id: e.id,
    url: e.url,
    events: JSON.parse(e.events) as Endpoint['events'],
    description: e.description,
    status: e.status as Endpoint['status'],
    createdAt: e.createdAt.toISOString(),
  };
}

export function deliveryView(d: WebhookDelivery): z.output<typeof DeliveryView> {
  return {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType as z.output<typeof DeliveryView>['eventType'],
    status: d.status as z.output<typeof DeliveryView>['status'],
    attempts: d.attempts,
    lastResponseStatus: d.lastResponseStatus,
    lastError: d.lastError,
    lastLatencyMs: d.lastLatencyMs,
    nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
  };
}

async function endpointFor(services: Services, principal: UserPrincipal, id: string): Promise<WebhookEndpoint> {
  const endpoint = await findWebhookEndpoint(services.db, principal.accountId, id);
  if (!endpoint) throw notFound('webhook endpoint', id);
  assertManager(principal);
  return endpoint;
}

export async function createEndpoint(
  services: Services,
  principal: UserPrincipal,
  body: z.output<typeof CreateWebhookEndpointBody>,
): Promise<Endpoint & { secret: string }> {
  assertManager(principal);
  const checked = await checkWebhookUrl(body.url, { allowPrivate: services.webhooks.allowPrivate });
  if (!checked.ok) throw new ApiError('invalid_request_error', 'invalid_url', checked.message, { param: 'url' });
  // Derived from the Idempotency-Key: a retry after a 5xx finds the endpoint its first attempt created.
  const id = objectIdFor('we', services.requestKey);
  const existing = services.requestKey ? await findWebhookEndpoint(services.db, principal.accountId, id) : null;
  if (existing) return { ...endpointView(existing), secret: services.webhooks.secretBox.open(existing.secretSealed) };
  const secret = generateWebhookSecret();
  const endpoint = await createWebhookEndpoint(services.db, {
    id,
    accountId: principal.accountId,
    url: checked.url.toString(),
    events: body.events,
    description: body.description ?? null,
    secretSealed: services.webhooks.secretBox.seal(secret),
    createdByUserId: principal.userId,
    createdAt: services.clock(),
  });
  services.logger.info({ endpointId: endpoint.id, events: body.events }, 'webhook endpoint created');
  return { ...endpointView(endpoint), secret };
}

export async function listEndpoints(services: Services, principal: UserPrincipal, page: PageRequest) {
  assertManager(principal);
  const rows = await listWebhookEndpoints(services.db, principal.accountId, page);
  return { data: rows.data.map(endpointView), hasMore: rows.hasMore };
}

export async function deleteEndpoint(services: Services, principal: UserPrincipal, id: string): Promise<void> {
  await endpointFor(services, principal, id);
  if (!(await deleteWebhookEndpoint(services.db, principal.accountId, id))) throw notFound('webhook endpoint', id);
  services.logger.info({ endpointId: id }, 'webhook endpoint deleted');
}

/** A new secret, shown once; the old one keeps signing for 24 h alongside it. */
export async function rotateSecret(
  services: Services,
  principal: UserPrincipal,
  id: string,
): Promise<Endpoint & { secret: string }> {
  const endpoint = await endpointFor(services, principal, id);
  const secret = generateWebhookSecret();
  const rotated = await rotateWebhookSecret(
    services.db,
    endpoint,
    services.webhooks.secretBox.seal(secret),
    new Date(services.clock().getTime() + SecretOverlapMs),
  );
  services.logger.info({ endpointId: id }, 'webhook secret rotated');
  return { ...endpointView(rotated), secret };
}

export async function listDeliveries(services: Services, principal: UserPrincipal, id: string, page: PageRequest) {
  await endpointFor(services, principal, id);
  const rows = await listWebhookDeliveries(services.db, id, page);
  return { data: rows.data.map(deliveryView), hasMore: rows.hasMore };
}

/** The delivery again, at once and on a fresh retry schedule, by a workflow of its own (workflows/outbox.ts). */
export async function retryDelivery(services: Services, principal: UserPrincipal, id: string) {
  const found = await findWebhookDelivery(services.db, principal.accountId, id);
  if (!found) throw notFound('webhook delivery', id);
  assertManager(principal);
  const delivery = await requeueWebhookDelivery(services.db, id, services.clock());
  await startWebhookRedelivery(services.workflows, id, delivery.attempts);
  return deliveryView(delivery);
}
