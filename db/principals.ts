import type { Role } from '../domain/types';
import { isRole, userRoles } from './accounts';
import type { Db } from './client';
import { digestsEqual, hashToken } from './tokens';

export type UserPrincipalRecord = {
  kind: 'user';
  userId: string;
  accountId: string;
  email: string;
  locale: string | null;
  roles: Role[];
};

/**
 * Who a bearer token speaks for: one customer user (of one account), one support agent, or one trusted backend
 * (a service token, API.md v1.2: it may only create portal sessions).
 */
export type PrincipalRecord =
  | UserPrincipalRecord
  | { kind: 'support'; supportAgentId: string; email: string }
  | { kind: 'service'; serviceClientId: string; name: string };

/**
 * Looks a bearer token up by its digest (an indexed equality, so the plain token is never stored
 * nor compared), then compares the digests once more in constant time.
 */
export async function findPrincipalByToken(db: Db, token: string): Promise<PrincipalRecord | null> {
  const digest = hashToken(token);
  // The token's owner is read only on the side it names: a nested select of both relations would cost a
  // look-up of the other one by a null id on every request.
  // Hand-written (db/sql.ts), as the user's read below: every request is authenticated.
  const [row] = await db.$queryRaw<
    { tokenHash: string; userId: string | null; supportAgentId: string | null; serviceClientId: string | null }[]
  >`SELECT "tokenHash", "userId", "supportAgentId", "serviceClientId" FROM "ApiToken" WHERE "tokenHash" = ${digest}`;
  if (!row || !digestsEqual(row.tokenHash, digest)) return null;
  if (row.userId) return findUserPrincipal(db, row.userId);
  if (row.serviceClientId) {
    const client = await db.serviceClient.findUnique({
      where: { id: row.serviceClientId },
      select: { id: true, name: true },
    });
    return client ? { kind: 'service', serviceClientId: client.id, name: client.name } : null;
  }
  if (row.supportAgentId) {
    const agent = await db.supportAgent.findUnique({
      where: { id: row.supportAgentId },
      select: { id: true, email: true },
    });
    if (agent) return { kind: 'support', supportAgentId: agent.id, email: agent.email };
  }
  return null;
}

/** A customer user as a principal: for a bearer token, and for a portal session (which names its user). */
export async function findUserPrincipal(db: Db, userId: string): Promise<UserPrincipalRecord | null> {
  const [[user], roles] = await Promise.all([
    db.$queryRaw<{ id: string; accountId: string; email: string; locale: string | null }[]>`
      SELECT "id", "accountId", "email", "locale" FROM "User" WHERE "id" = ${userId}`,
    userRoles(db, userId),
  ]);
  if (!user) return null;
  return {
    kind: 'user',
    userId: user.id,
    accountId: user.accountId,
    email: user.email,
    locale: user.locale,
    roles: roles.filter(isRole),
  };
}
