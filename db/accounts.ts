import { Roles, type Role } from '../domain/types';
import type { Db } from './client';

const isRole = (value: string): value is Role => (Roles as readonly string[]).includes(value);

export async function accountExists(db: Db, accountId: string): Promise<boolean> {
  return (await db.account.count({ where: { id: accountId } })) > 0;
}

/** The roles a user holds (P8–P10). */
export async function userRoles(db: Db, userId: string): Promise<Role[]> {
  const rows = await db.userRole.findMany({ where: { userId }, select: { role: true } });
  return rows.map((r) => r.role as Role);
}

/** P4: the balance is the sum of the account's open invoices, in minor units. */
export async function accountBalanceCents(db: Db, accountId: string): Promise<number> {
  const { _sum } = await db.invoice.aggregate({ where: { accountId, status: 'open' }, _sum: { amountDueCents: true } });
  return _sum.amountDueCents ?? 0;
}

export interface AccountUser {
  id: string;
  email: string;
  locale: string | null;
  roles: Role[];
}

/** What support checks before acting on an account (P12). Null when the account does not exist. */
export interface AccountVerificationData {
  accountId: string;
  paymentMethod: { last4: string; line1: string; city: string; postalCode: string; country: string } | null;
  users: AccountUser[];
}

export async function findAccountVerificationData(db: Db, accountId: string): Promise<AccountVerificationData | null> {
  const account = await db.account.findUnique({
    where: { id: accountId },
    select: {
      id: true,
      paymentMethod: { select: { last4: true, line1: true, city: true, postalCode: true, country: true } },
      users: {
        select: { id: true, email: true, locale: true, roles: { select: { role: true } } },
        orderBy: { id: 'asc' },
      },
    },
  });
  if (!account) return null;
  return {
    accountId: account.id,
    paymentMethod: account.paymentMethod,
    users: account.users.map((u) => ({
      id: u.id,
      email: u.email,
      locale: u.locale,
      roles: u.roles.map((r) => r.role).filter(isRole),
    })),
  };
}
