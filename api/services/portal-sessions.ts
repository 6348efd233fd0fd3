import type { Request } from 'express';
import type { z } from 'zod';
import { createPortalLink } from '../../db/portal';
import type { ServicePrincipal } from '../auth';
import { ApiError, notFound } from '../errors';
import type { CreatePortalSessionBody, PortalSession } from '../portal-schemas';
import type { Services } from './context';

/** Where a link opens (portal/routes.ts): the token is the rest of the path. */
export const PORTAL_LINK_PATH = '/portal/login';

/**
 * API.md v1.2: a trusted backend (a service token) mints a single-use link, valid 5 minutes, that signs one
 * customer user in to the portal. Support agents may not: that would let an agent act as the customer without
 * P12's verification (the route's `who` refuses them with 403).
 */
export async function createPortalSession(
  services: Services,
  caller: ServicePrincipal,
  body: z.output<typeof CreatePortalSessionBody>,
  req: Request,
): Promise<z.output<typeof PortalSession>> {
  const user = await services.db.user.findUnique({ where: { id: body.userId }, select: { id: true } });
  if (!user) throw notFound('user', body.userId, 'userId');
  const returnUrl = body.returnUrl === undefined ? null : parseReturnUrl(body.returnUrl);
  const { token, expiresAt } = await createPortalLink(services.db, {
    userId: user.id,
    serviceClientId: caller.serviceClientId,
    returnUrl,
    now: services.clock(),
  });
  services.logger.info({ userId: user.id, serviceClientId: caller.serviceClientId }, 'portal link created');
  return { url: `${publicOrigin(services, req)}${PORTAL_LINK_PATH}/${token}`, expiresAt: expiresAt.toISOString() };
}

function parseReturnUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    url = new URL('invalid:');
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !url.hostname) {
    throw new ApiError(
      'invalid_request_error',
      'invalid_body',
      'returnUrl must be an absolute http:// or https:// URL.',
      {
        param: 'returnUrl',
      },
    );
  }
  return url.href;
}

/** PUBLIC_URL, or the origin the request came to. */
function publicOrigin(services: Services, req: Request): string {
  return services.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}
