/** The signed-in user behind a portal cookie: its open session (db/portal.ts) and the user as a principal. */
import type { UserPrincipal } from '../api/auth';
import type { Services } from '../api/services/context';
import { findPortalSession, type PortalSessionRecord } from '../db/portal';
import { findUserPrincipal } from '../db/principals';

export type { PortalSessionRecord };

export async function findPrincipalForPortal(
  services: Services,
  token: string,
): Promise<{ session: PortalSessionRecord; principal: UserPrincipal } | null> {
  const session = await findPortalSession(services.db, token, services.clock());
  if (!session) return null;
  const principal = await findUserPrincipal(services.db, session.userId);
  return principal ? { session, principal } : null;
}
