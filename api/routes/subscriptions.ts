import { getSubscription, previewCancellation, unassignAll } from '../services/subscriptions';
import { defineRoute } from '../routing';
import { CancellationPreview, EmptyBody, IdParams, Subscription, UnassignAllResult } from '../schemas';

export const subscriptionRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/subscriptions/:id',
    operationId: 'getSubscription',
    summary: 'Retrieve a subscription',
    tag: 'Subscriptions',
    who: ['user', 'support'],
    params: IdParams,
    responses: { 200: { description: 'The subscription.', schema: Subscription } },
    handler: async ({ services, principal, params }) => ({
      status: 200,
      body: await getSubscription(services, principal, params.id),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/subscriptions/:id/cancellation-preview',
    operationId: 'previewCancellation',
    summary: 'Preview a cancellation (dry run)',
    description:
      'What a cancellation request would answer now: eligibility with every refusal (P11), the effective date (P2) ' +
      'and the remaining charges (P13–P15). Nothing is written and no workflow starts. For a support agent the ' +
      'channel is `support` (P12) and the role rules are left to the actual request, which names the customer.',
    tag: 'Subscriptions',
    who: ['user', 'support'],
    params: IdParams,
    responses: { 200: { description: 'The dry-run result.', schema: CancellationPreview } },
    handler: async ({ services, principal, params }) => ({
      status: 200,
      body: await previewCancellation(services, principal, params.id),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/subscriptions/:id/licenses/unassign-all',
    operationId: 'unassignAllLicenses',
    summary: 'Unassign every licence of a subscription',
    description:
      'P6: releases all the licences in one write; a running cancellation of the subscription is told at once. ' +
      'A user who may cancel the subscription (P8–P10) or a product admin may do it: another user gets 403 ' +
      '`role_not_permitted`, a support agent 403 `permission_denied`.',
    tag: 'Subscriptions',
    who: ['user', 'support'],
    params: IdParams,
    body: EmptyBody,
    responses: { 200: { description: 'How many licences were assigned.', schema: UnassignAllResult } },
    handler: async ({ services, principal, params }) => ({
      status: 200,
      body: await unassignAll(services, principal, params.id),
    }),
  }),
];
