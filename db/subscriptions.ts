import type { Db, DbTx } from './client';
import type { Subscription } from './generated/sqlite/client';

/** A subscription row with its licence counts (API.md: `licenses: { total, assigned }`). */
export type SubscriptionRecord = Subscription & { licenseCounts: { total: number; assigned: number } };

const withLicenses = { licenses: { select: { assignedToUserId: true } } } as const;

function toRecord(row: Subscription & { licenses: { assignedToUserId: string | null }[] }): SubscriptionRecord {
  const { licenses, ...sub } = row;
  return {
    ...sub,
    licenseCounts: { total: licenses.length, assigned: licenses.filter((l) => l.assignedToUserId !== null).length },
  };
}

export async function findSubscription(db: Db, id: string): Promise<SubscriptionRecord | null> {
  const row = await db.subscription.findUnique({ where: { id }, include: withLicenses });
  return row ? toRecord(row) : null;
}

/** Every subscription of an account, oldest first (stable: createdAt, then id). */
export async function listAccountSubscriptions(db: Db, accountId: string): Promise<SubscriptionRecord[]> {
  const rows = await db.subscription.findMany({
    where: { accountId },
    include: withLicenses,
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  return rows.map(toRecord);
}

/** P6: how many of the subscription's licences are still assigned. */
export async function countAssignedLicenses(db: Db, subscriptionId: string): Promise<number> {
  return db.license.count({ where: { subscriptionId, assignedToUserId: { not: null } } });
}

/**
 * P6: releases every licence of the subscription in one statement, so a concurrent reader sees
 * either all of them assigned or none. Returns how many were assigned before. Takes a transaction
 * too, so deactivation (P3) releases them inside its own.
 */
export async function unassignAllLicenses(db: Db | DbTx, subscriptionId: string): Promise<number> {
  const { count } = await db.license.updateMany({
    where: { subscriptionId, assignedToUserId: { not: null } },
    data: { assignedToUserId: null },
  });
  return count;
}
