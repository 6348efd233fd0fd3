import type { Db, DbTx } from './client';
import type { Subscription } from './generated/sqlite/client';
import { assignments, toNumber, updateRow } from './sql';

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
  // Hand-written (db/sql.ts): read for every decision; one statement where Prisma's include takes two.
  const [row] = await db.$queryRaw<(Subscription & { licensesTotal: unknown; licensesAssigned: unknown })[]>`
    SELECT s.*,
      (SELECT COUNT(*) FROM "License" l WHERE l."subscriptionId" = s."id") AS "licensesTotal",
      (SELECT COUNT(l."assignedToUserId") FROM "License" l WHERE l."subscriptionId" = s."id") AS "licensesAssigned"
    FROM "Subscription" s WHERE s."id" = ${id}`;
  if (!row) return null;
  const { licensesTotal, licensesAssigned, ...sub } = row;
  return { ...sub, licenseCounts: { total: toNumber(licensesTotal), assigned: toNumber(licensesAssigned) } };
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

/**
 * P1: an active subscription claimed by a new cancellation, auto-renew off; false when it is no longer
 * active (another cancellation holds it, or it has ended).
 */
export async function claimForCancellation(db: Db | DbTx, subscriptionId: string): Promise<boolean> {
  const set = assignments('Subscription', { autoRenew: false, status: 'cancellation_scheduled' });
  const count =
    await db.$executeRaw`UPDATE "Subscription" SET ${set} WHERE "id" = ${subscriptionId} AND "status" = 'active'`;
  return count === 1;
}

/** P3: the subscription deactivated; P2025 (a data error) when it does not exist. */
export function markSubscriptionCancelled(db: Db | DbTx, subscriptionId: string, at: Date): Promise<void> {
  return updateRow(db, 'Subscription', subscriptionId, { status: 'cancelled', autoRenew: false, cancelledAt: at });
}

/** P6: how many of the subscription's licences are still assigned. */
export async function countAssignedLicenses(db: Db | DbTx, subscriptionId: string): Promise<number> {
  return db.license.count({ where: { subscriptionId, assignedToUserId: { not: null } } });
}

/**
 * P6: releases every licence of the subscription in one statement, so a concurrent reader sees
 * either all of them assigned or none. Returns how many were assigned before. Takes a transaction
 * too, so deactivation (P3) releases them inside its own.
 */
export async function unassignAllLicenses(db: Db | DbTx, subscriptionId: string): Promise<number> {
  // Hand-written (db/sql.ts): part of every deactivation.
  return db.$executeRaw`
    UPDATE "License" SET "assignedToUserId" = NULL WHERE "subscriptionId" = ${subscriptionId} AND "assignedToUserId" IS NOT NULL`;
}

/**
 * P6 from the API (unassign-all): releases the licences and records how many, in one transaction, under
 * the request's own key. A retry of the same request (after a 503 or a dropped connection) finds that
 * record and answers the same count instead of `0` (API.md: retries converge).
 */
export async function unassignAllLicensesOnce(
  db: Db,
  input: { subscriptionId: string; accountId: string; cancellationId: string | null; actor: string; requestId: string },
): Promise<number> {
  const key = `unassign_all:${input.requestId}`;
  return db.$transaction(async (t) => {
    const prior = await t.cancellationEvent.findUnique({ where: { key }, select: { data: true } });
    if (prior) return (JSON.parse(prior.data) as { unassigned: number }).unassigned;
    const unassigned = await unassignAllLicenses(t, input.subscriptionId);
    if (input.cancellationId) {
      // P6 done for the running cancellation, recorded with the release itself (its workflow is told next).
      const recorded = `${input.cancellationId}:licenses_unassigned`;
      const { count } = await t.cancellation.updateMany({
        where: {
          id: input.cancellationId,
          licensesUnassigned: false,
          stage: { in: ['awaiting_prerequisites', 'scheduled'] },
        },
        data: { licensesUnassigned: true },
      });
      if (count === 1 && !(await t.cancellationEvent.findUnique({ where: { key: recorded }, select: { id: true } }))) {
        await t.cancellationEvent.create({
          data: {
            key: recorded,
            cancellationId: input.cancellationId,
            subscriptionId: input.subscriptionId,
            accountId: input.accountId,
            actor: input.actor,
            type: 'licenses_unassigned',
          },
        });
      }
    }
    await t.cancellationEvent.create({
      data: {
        key,
        cancellationId: input.cancellationId,
        subscriptionId: input.subscriptionId,
        accountId: input.accountId,
        actor: input.actor,
        type: 'licenses_unassigned_all',
        data: JSON.stringify({ unassigned }),
      },
    });
    return unassigned;
  });
}
