import { ClosedStages, type CancellationView } from '../domain/cancellation';
import type { CancellationChannel, CancellationStage, ChargeLine, ReasonCode } from '../domain/types';
import type { Db } from './client';
import type { Cancellation } from './generated/sqlite/client';

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
  const closed = await db.cancellation.count({ where: { subscriptionId, stage: { in: [...ClosedStages] } } });
  return closed + 1;
}
