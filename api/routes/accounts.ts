import { defineRoute } from '../routing';
import { AccountProducts, IdParams, ListQuery, NotificationList } from '../schemas';
import { accountNotifications, accountProducts } from '../services/accounts';

export const accountRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/accounts/:id/products',
    operationId: 'listAccountProducts',
    summary: "The account's products",
    description:
      'P3: active subscriptions, those with a cancellation scheduled, and the products available to buy again.',
    tag: 'Accounts',
    who: ['user', 'support'],
    params: IdParams,
    responses: { 200: { description: "The account's products.", schema: AccountProducts } },
    handler: async ({ services, principal, params }) => ({
      status: 200,
      body: await accountProducts(services, principal, params.id),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/accounts/:id/notifications',
    operationId: 'listAccountNotifications',
    summary: "The account's notifications",
    description: 'Newest first (createdAt, then id, descending).',
    tag: 'Accounts',
    who: ['user', 'support'],
    params: IdParams,
    query: ListQuery,
    responses: { 200: { description: 'A page of notifications.', schema: NotificationList } },
    handler: async ({ services, principal, params, query }) => ({
      status: 200,
      body: await accountNotifications(services, principal, params.id, query),
    }),
  }),
];
