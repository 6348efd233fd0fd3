import { Roles, type Role } from '../domain/types';
import type { Db, DbTx } from './client';
import { toNumber } from './sql';

/** A role this service knows (P8–P10); the database may hold others, which grant nothing. */
export const isRole = (value: string): value is Role => (Roles as readonly string[]).includes(value);

export async function accountExists(db: Db, accountId: string): Promise<boolean> {
  return (await db.account.count({ where: { id: accountId } })) > 0;
}

/** The roles a user holds (P8–P10). */
export async function userRoles(db: Db, userId: string): Promise<Role[]> {
  // Hand-written (db/sql.ts): read for every decision.
  const rows = await db.$queryRaw<{ role: string }[]>`SELECT "role" FROM "UserRole" WHERE "userId" = ${userId}`;
  return rows.map((r) => r.role as Role);
}

/** P4: the balance is the sum of the account's open invoices, in minor units. */
export async function accountBalanceCents(db: Db, accountId: string): Promise<number> {
  const [row] = await db.$queryRaw<{ due: unknown }[]>`
    SELECT SUM("amountDueCents") AS "due" FROM "Invoice" WHERE "accountId" = ${accountId} AND "status" = 'open'`;
  return toNumber(row?.due);
}

/** The locale of the user with this e-mail (their notifications' language); null when none is set or no user. */
export async function userLocaleByEmail(db: Db | DbTx, email: string): Promise<string | null> {
  const [row] = await db.$queryRaw<{ locale: string | null }[]>`SELECT "locale" FROM "User" WHERE "email" = ${email}`;
  return row?.locale ?? null;
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
