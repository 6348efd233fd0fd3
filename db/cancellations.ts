import { ClosedStages, type CancellationView } from '../domain/cancellation';
import type { CancellationChannel, CancellationStage, ChargeLine, ReasonCode } from '../domain/types';
import type { Db, DbTx } from './client';
import { Prisma, type Cancellation } from './generated/sqlite/client';
import { findCancellation } from './cancellation-reads';
import { insertRow, toNumber, updateRow } from './sql';

/** The Cancellation object of API.md from its database row (the row follows every stage change). */
export function cancellationViewFromRow(row: Cancellation): CancellationView {
  return {
    id: row.id,
    subscriptionId: row.subscriptionId,
    accountId: row.accountId,
    stage: row.stage as CancellationStage,
    channel: row.channel as CancellationChannel,
    requestedBy: { userId: row.requestedByUserId, email: row.requestedByEmail },
    submittedBy: { supportAgentId: row.supportAgentId },
    reason: row.reasonCode
      ? { code: row.reasonCode as ReasonCode, ...(row.reasonComment ? { comment: row.reasonComment } : {}) }
      : null,
    requestedAt: row.requestedAt.toISOString(),
    effectiveAt: row.effectiveAt.toISOString(),
    completedAt: row.completedAt?.toISOString() ?? null,
    withdrawnAt: row.withdrawnAt?.toISOString() ?? null,
    checklist: {
      balanceClear: row.balanceClear,
      licensesUnassigned: row.licensesUnassigned,
      dataBackedUp: row.dataBackedUp,
      dataBackupLocation: row.dataBackupLocation,
    },
    charges: {
      currency: row.currency,
      remainingCents: row.remainingCents,
      refundCents: row.refundCents,
      lines: JSON.parse(row.chargeLines) as ChargeLine[],
    },
    warnings: JSON.parse(row.warnings) as string[],
    workflowId: row.workflowId,
  };
}

/**
 * The generation for a new cancellation workflow id of this subscription: 1 + its closed
 * cancellations. While one is open the generation does not move, so concurrent requests collide on
 * one workflow id (domain/cancellation.ts, cancellationWorkflowId).
 */
export async function nextGeneration(db: Db, subscriptionId: string): Promise<number> {
  // Hand-written (db/sql.ts): read for every request.
  const [row] = await db.$queryRaw<{ closed: unknown }[]>`
    SELECT COUNT(*) AS "closed" FROM "Cancellation"
    WHERE "subscriptionId" = ${subscriptionId} AND "stage" IN (${Prisma.join([...ClosedStages])})`;
  return toNumber(row?.closed) + 1;
}

/** The cancellation with this id and any holding this workflow id (a decision's one look-up before it writes). */
export function findCancellationsByIdOrWorkflowId(
  db: Db | DbTx,
  id: string,
  workflowId: string,
): Promise<Cancellation[]> {
  return db.$queryRaw<Cancellation[]>`
    SELECT * FROM "Cancellation" WHERE "id" = ${id} OR "workflowId" = ${workflowId} LIMIT 2`;
}

/** A new cancellation's row, written as Prisma's `create` would, and read back as Prisma reads it. */
export async function insertCancellation(
  db: Db | DbTx,
  values: Partial<Cancellation> & { id: string },
): Promise<Cancellation> {
  await insertRow(db, 'Cancellation', values);
  return readBack(db, values.id);
}

/** Updates a cancellation's row (P2025, a data error, when it does not exist) and returns it as it now is. */
export async function updateCancellation(
  db: Db | DbTx,
  id: string,
  values: Partial<Cancellation>,
): Promise<Cancellation> {
  await updateRow(db, 'Cancellation', id, values);
  return readBack(db, id);
}

async function readBack(db: Db | DbTx, id: string): Promise<Cancellation> {
  const row = await findCancellation(db, id);
  if (!row) throw new Error(`cancellation ${id} vanished within its own transaction`);
  return row;
}
