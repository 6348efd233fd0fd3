import { Roles, type Role } from '../domain/types';
import type { Db } from './client';
import { digestsEqual, hashToken } from './tokens';

/** Who a bearer token speaks for: one customer user (of one account) or one support agent. */
export type PrincipalRecord =
  | { kind: 'user'; userId: string; accountId: string; email: string; roles: Role[] }
  | { kind: 'support'; supportAgentId: string; email: string };

const isRole = (value: string): value is Role => (Roles as readonly string[]).includes(value);

/**
 * Looks a bearer token up by its digest (an indexed equality, so the plain token is never stored
 * nor compared), then compares the digests once more in constant time.
 */
export async function findPrincipalByToken(db: Db, token: string): Promise<PrincipalRecord | null> {
  const digest = hashToken(token);
  const row = await db.apiToken.findUnique({
    where: { tokenHash: digest },
    select: {
      tokenHash: true,
      user: { select: { id: true, accountId: true, email: true, roles: { select: { role: true } } } },
      supportAgent: { select: { id: true, email: true } },
    },
  });
  if (!row || !digestsEqual(row.tokenHash, digest)) return null;
  if (row.user) {
    return {
      kind: 'user',
      userId: row.user.id,
      accountId: row.user.accountId,
      email: row.user.email,
      roles: row.user.roles.map((r) => r.role).filter(isRole),
    };
  }
  if (row.supportAgent) return { kind: 'support', supportAgentId: row.supportAgent.id, email: row.supportAgent.email };
  return null;
}
