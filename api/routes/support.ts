import type { SupportPrincipal } from '../auth';
import { defineRoute } from '../routing';
import { SupportCancellationBody, SupportCancellationResult } from '../schemas';
import { supportCancel } from '../services/support';

export const supportRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/support/cancellations',
    operationId: 'createSupportCancellations',
    summary: 'Cancel on the customer’s behalf (support)',
    description:
      'P12: support verifies the account, the billing admin’s e-mail, the payment method’s last four digits and ' +
      'billing address, and the products; any mismatch is 422 `verification_failed`, which never says which field ' +
      'was wrong. Then each subscription is decided on its own: 201 when at least one is accepted, otherwise 422 ' +
      '`cancellation_refused` with `details.results`.',
    tag: 'Support',
    who: ['support'],
    body: SupportCancellationBody,
    responses: { 201: { description: 'At least one cancellation accepted.', schema: SupportCancellationResult } },
    errors: [409, 422, 429, 503],
    handler: async ({ services, principal, body }) => ({
      status: 201,
      body: await supportCancel(services, principal as SupportPrincipal, body),
    }),
  }),
];
