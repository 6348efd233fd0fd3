import { ClosedStages } from '../domain/cancellation';
import type { CancellationStage } from '../domain/types';
import type { Db, DbTx } from './client';
import type { Cancellation } from './generated/sqlite/client';
import { newestFirst, paginate, type Page, type PageRequest } from './pagination';
import { findRow } from './sql';

/**
 * The reads of cancellation rows: the API's, and the activities' look-up of the row a step works on (the
 * activities write them, db/cancellations.ts).
 */
export async function findCancellation(db: Db | DbTx, id: string): Promise<Cancellation | null> {
  // Hand-written (db/sql.ts): read for every request with an Idempotency-Key and by every step.
  return findRow(db, 'Cancellation', id);
}

export async function findCancellationByWorkflowId(db: Db, workflowId: string): Promise<Cancellation | null> {
  return db.cancellation.findUnique({ where: { workflowId } });
}

/** The subscription's cancellation still in progress, if any (at most one: see cancellationWorkflowId). */
export async function findOpenCancellation(db: Db, subscriptionId: string): Promise<Cancellation | null> {
  return db.cancellation.findFirst({
    where: { subscriptionId, stage: { notIn: [...ClosedStages] } },
    orderBy: newestFirst,
  });
}

export interface CancellationFilter {
  accountId: string;
  subscriptionId?: string;
  stage?: CancellationStage;
}

export async function listCancellations(
  db: Db,
  filter: CancellationFilter,
  page: PageRequest,
): Promise<Page<Cancellation>> {
  const where = {
    accountId: filter.accountId,
    ...(filter.subscriptionId ? { subscriptionId: filter.subscriptionId } : {}),
    ...(filter.stage ? { stage: filter.stage } : {}),
  };
  return paginate(
    page,
    (id) =>
      db.cancellation.findFirst({ where: { id, accountId: filter.accountId }, select: { id: true, createdAt: true } }),
    (after, take) => db.cancellation.findMany({ where: { AND: [where, after] }, orderBy: newestFirst, take }),
  );
}

/**
 * How many cancellations are in each stage, for the API's `cancellations{stage}` gauge: one GROUP BY
 * per scrape, answered from the (stage, effectiveAt) index alone (a covering-index scan, no table rows).
 */
export async function countCancellationsByStage(db: Db): Promise<Record<string, number>> {
  const rows = await db.cancellation.groupBy({ by: ['stage'], _count: { _all: true } });
  return Object.fromEntries(rows.map((r) => [r.stage, r._count._all]));
}

/** Whether the cancellation was withdrawn by the API request `requestId` (its retry then converges on it). */
export async function withdrawnByRequest(db: Db, cancellationId: string, requestId: string): Promise<boolean> {
  const events = await db.cancellationEvent.findMany({
    where: { cancellationId, type: 'cancellation_withdrawn' },
    select: { data: true },
  });
  return events.some((e) => (JSON.parse(e.data) as { requestId?: string }).requestId === requestId);
}
