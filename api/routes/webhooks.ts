import type { UserPrincipal } from '../auth';
import { defineRoute } from '../routing';
import { EmptyBody, IdParams, ListQuery } from '../schemas';
import {
  createEndpoint,
  deleteEndpoint,
  listDeliveries,
  listEndpoints,
  retryDelivery,
  rotateSecret,
} from '../services/webhooks';
import {
  CreateWebhookEndpointBody,
  WebhookDelivery,
  WebhookDeliveryList,
  WebhookEndpointList,
  WebhookEndpointWithSecret,
} from '../webhook-schemas';

const WHO = 'A super admin or billing admin of the account (another user: 403 `role_not_permitted`).';

/** API.md v1.2: webhook endpoints and their deliveries. */
export const webhookRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/webhook-endpoints',
    operationId: 'createWebhookEndpoint',
    summary: 'Create a webhook endpoint',
    description:
      `Receives the account's events of the types listed, signed per the Standard Webhooks specification. The ` +
      `answer holds the signing secret (\`whsec_…\`), shown this once. ${WHO}`,
    tag: 'Webhooks',
    who: ['user'],
    body: CreateWebhookEndpointBody,
    secretResponse: true,
    responses: { 201: { description: 'The endpoint, with its secret.', schema: WebhookEndpointWithSecret } },
    handler: async ({ services, principal, body }) => ({
      status: 201,
      body: await createEndpoint(services, principal as UserPrincipal, body),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/webhook-endpoints',
    operationId: 'listWebhookEndpoints',
    summary: "The account's webhook endpoints",
    description: `Newest first; never a secret. ${WHO}`,
    tag: 'Webhooks',
    who: ['user'],
    query: ListQuery,
    responses: { 200: { description: 'A page of endpoints.', schema: WebhookEndpointList } },
    handler: async ({ services, principal, query }) => ({
      status: 200,
      body: await listEndpoints(services, principal as UserPrincipal, query),
    }),
  }),
  defineRoute({
    method: 'delete',
    path: '/v1/webhook-endpoints/:id',
    operationId: 'deleteWebhookEndpoint',
    summary: 'Delete a webhook endpoint',
    description: `No more deliveries to it; its delivery history goes with it. ${WHO}`,
    tag: 'Webhooks',
    who: ['user'],
    params: IdParams,
    responses: { 204: { description: 'Deleted.' } },
    handler: async ({ services, principal, params }) => {
      await deleteEndpoint(services, principal as UserPrincipal, params.id);
      return { status: 204, body: undefined };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/webhook-endpoints/:id/rotate-secret',
    operationId: 'rotateWebhookSecret',
    summary: "Rotate an endpoint's signing secret",
    description:
      'A new secret, shown this once; for 24 hours every delivery is signed with both the new and the old one ' +
      `(two entries in \`webhook-signature\`), so the receiver can switch without missing one. ${WHO}`,
    tag: 'Webhooks',
    who: ['user'],
    params: IdParams,
    body: EmptyBody,
    secretResponse: true,
    responses: { 200: { description: 'The endpoint, with its new secret.', schema: WebhookEndpointWithSecret } },
    handler: async ({ services, principal, params }) => ({
      status: 200,
      body: await rotateSecret(services, principal as UserPrincipal, params.id),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/webhook-endpoints/:id/deliveries',
    operationId: 'listWebhookDeliveries',
    summary: "An endpoint's deliveries",
    description: `Each event sent to the endpoint: status, attempts, the last response, the next attempt. ${WHO}`,
    tag: 'Webhooks',
    who: ['user'],
    params: IdParams,
    query: ListQuery,
    responses: { 200: { description: 'A page of deliveries.', schema: WebhookDeliveryList } },
    handler: async ({ services, principal, params, query }) => ({
      status: 200,
      body: await listDeliveries(services, principal as UserPrincipal, params.id, query),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/webhook-deliveries/:id/retry',
    operationId: 'retryWebhookDelivery',
    summary: 'Deliver an event again',
    description: `Queued again at once, on a fresh retry schedule, whatever its status. ${WHO}`,
    tag: 'Webhooks',
    who: ['user'],
    params: IdParams,
    body: EmptyBody,
    responses: { 200: { description: 'The delivery, queued again.', schema: WebhookDelivery } },
    errors: [503],
    handler: async ({ services, principal, params }) => ({
      status: 200,
      body: await retryDelivery(services, principal as UserPrincipal, params.id),
    }),
  }),
];
