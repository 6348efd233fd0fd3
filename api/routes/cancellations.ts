import type { UserPrincipal } from '../auth';
import { defineRoute } from '../routing';
import {
  Cancellation,
  CancellationList,
  CreateCancellationBody,
  DataBackupBody,
  EmptyBody,
  IdParams,
  ListCancellationsQuery,
} from '../schemas';
import {
  confirmBackup,
  createCancellation,
  getCancellation,
  listCancellations,
  withdraw,
} from '../services/cancellations';

export const cancellationRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/cancellations',
    operationId: 'createCancellation',
    summary: 'Request a cancellation',
    description:
      'Decided before the answer (P11): 201 with the scheduled cancellation, 422 `cancellation_refused` listing every ' +
      'refusal in `details.refusals` (the error code is the first), or 409 `cancellation_in_progress` with ' +
      '`details.cancellationId`.',
    tag: 'Cancellations',
    who: ['user'],
    body: CreateCancellationBody,
    responses: { 201: { description: 'The cancellation, accepted.', schema: Cancellation } },
    errors: [404, 409, 422, 503],
    handler: async ({ services, principal, body }) => ({
      status: 201,
      body: await createCancellation(services, principal as UserPrincipal, body),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/cancellations',
    operationId: 'listCancellations',
    summary: 'List cancellations',
    description:
      "A user lists their own account's cancellations; a support agent must name the account with `accountId`. " +
      'Newest first (createdAt, then id, descending); `startingAfter` takes the last id of the previous page.',
    tag: 'Cancellations',
    who: ['user', 'support'],
    query: ListCancellationsQuery,
    responses: { 200: { description: 'A page of cancellations.', schema: CancellationList } },
    errors: [404],
    handler: async ({ services, principal, query }) => ({
      status: 200,
      body: await listCancellations(services, principal, query),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/cancellations/:id',
    operationId: 'getCancellation',
    summary: 'Retrieve a cancellation (live)',
    description:
      'P16: from the database, which the workflow keeps exact at every stage change; answers with no worker running.',
    tag: 'Cancellations',
    who: ['user', 'support'],
    params: IdParams,
    responses: { 200: { description: 'The cancellation.', schema: Cancellation } },
    handler: async ({ services, principal, params }) => ({
      status: 200,
      body: await getCancellation(services, principal, params.id),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/cancellations/:id/data-backup',
    operationId: 'confirmDataBackup',
    summary: 'Confirm the data backup',
    description:
      'P7: records where the data was saved; the checklist shows `dataBackedUp: true`. Only a user who may cancel ' +
      'the subscription (P8–P10) may confirm it: another user gets 403 `role_not_permitted`, a support agent 403 ' +
      '`permission_denied`.',
    tag: 'Cancellations',
    who: ['user', 'support'],
    params: IdParams,
    body: DataBackupBody,
    responses: { 200: { description: 'The cancellation, backup confirmed.', schema: Cancellation } },
    errors: [409, 503],
    handler: async ({ services, principal, params, body }) => ({
      status: 200,
      body: await confirmBackup(services, principal, params.id, body.location),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/cancellations/:id/withdraw',
    operationId: 'withdrawCancellation',
    summary: 'Withdraw a cancellation',
    description:
      'Auto-renew back on, subscription active again. 409 `conflict` if already withdrawn, or once `deactivating` or ' +
      'later. A user who may cancel the subscription (P8–P10) or support may withdraw; another user gets 403 ' +
      '`role_not_permitted`.',
    tag: 'Cancellations',
    who: ['user', 'support'],
    params: IdParams,
    body: EmptyBody,
    responses: { 200: { description: 'The cancellation, withdrawn.', schema: Cancellation } },
    errors: [409, 503],
    handler: async ({ services, principal, params }) => ({
      status: 200,
      body: await withdraw(services, principal, params.id),
    }),
  }),
];
