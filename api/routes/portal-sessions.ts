import type { ServicePrincipal } from '../auth';
import { CreatePortalSessionBody, PortalSession } from '../portal-schemas';
import { defineRoute } from '../routing';
import { createPortalSession } from '../services/portal-sessions';

export const portalSessionRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/portal-sessions',
    operationId: 'createPortalSession',
    summary: 'Create a portal sign-in link (service token)',
    description:
      'For a trusted backend holding a service token (any other valid token gets 403): a single-use link on the ' +
      'API’s own origin, valid 5 minutes. Opening it signs the user in and redirects to `/portal`. The answer is ' +
      'never stored for Idempotency-Key replay: a retry gets a new link, and an unused one simply expires.',
    tag: 'Portal',
    who: ['service'],
    body: CreatePortalSessionBody,
    replay: false,
    responses: { 201: { description: 'The link.', schema: PortalSession } },
    errors: [404, 503],
    handler: async ({ services, caller, body, req }) => ({
      status: 201,
      body: await createPortalSession(services, caller as ServicePrincipal, body, req),
    }),
  }),
];
