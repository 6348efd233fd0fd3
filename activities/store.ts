/**
 * What every activity module shares: the transaction helper, the keyed audit event and notification
 * outbox writes that make each step once-only, and the classification of database errors into those a
 * retry can cure and those it never will.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { CancellationRow, Db, DbTx } from '../db/client';
import { cancellationViewFromRow } from '../db/cancellations';
import type { CancellationView } from '../domain/cancellation';
import { ErrorCode } from '../domain/errors';

export interface ActivityDeps {
  db: Db;
  /** Fault injection for the fault tests (config: FAULT_PAUSE_AFTER_DECISION_MS); never set in production. */
  faults?: { pauseAfterDecisionMs?: number; log?: (message: string) => void };
}

export const SYSTEM = 'system';

/**
 * Prisma errors about the data itself, which no retry can cure: a row that does not exist (P2025, P2001,
 * P2018), a broken foreign-key or other constraint (P2003, P2004, P2011, P2014), a value the
 * column cannot hold (P2000, P2005, P2006, P2007). Anything else (the database down or locked, a timeout,
 * an unknown error) is transient: the activity is retried for as long as it takes. A unique violation (P2002)
 * is retried too: on an audit event's key it means a concurrent attempt of the same step won, and the retry finds it.
 */
const DATA_ERROR_CODES = new Set([
  'P2000',
  'P2001',
  'P2003',
  'P2004',
  'P2005',
  'P2006',
  'P2007',
  'P2011',
  'P2014',
  'P2018',
  'P2025',
]);

export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && DATA_ERROR_CODES.has(code);
}

/** Rethrows a data error as non-retryable (`data_error`), anything else as it is (retried). */
export async function failingForGoodOnDataErrors<T>(step: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApplicationFailure || !isDataError(err)) throw err;
    throw ApplicationFailure.create({
      type: ErrorCode.dataError,
      message: `${step}: ${(err as Error).message.split('\n').filter(Boolean).pop() ?? 'data error'}`,
      details: [(err as { code?: string }).code],
      nonRetryable: true,
    });
  }
}

export function createStore({ db, faults }: ActivityDeps) {
  async function viewOf(tx: DbTx | Db, cancellationId: string): Promise<CancellationView> {
    const row = await tx.cancellation.findUnique({ where: { id: cancellationId } });
    if (!row)
      throw ApplicationFailure.create({
        type: ErrorCode.notFound,
        message: `cancellation ${cancellationId} does not exist`,
        nonRetryable: true,
      });
    return cancellationViewFromRow(row);
  }

  /**
   * Appends the audit event unless its key exists; tells whether this call is the first. `unseen`: the caller
   * knows no row can hold the key (it belongs to a cancellation created, or a step first taken, in the same
   * transaction), so the look-up is skipped: one statement fewer on the hot paths.
   */
  async function appendEvent(
    tx: DbTx,
    event: {
      key: string;
      cancellationId: string | null;
      subscriptionId: string;
      accountId: string;
      actor: string;
      type: string;
      data?: unknown;
      at: string;
    },
    { unseen = false }: { unseen?: boolean } = {},
  ): Promise<boolean> {
    if (!unseen && (await tx.cancellationEvent.findUnique({ where: { key: event.key }, select: { id: true } })))
      return false;
    await tx.cancellationEvent.create({
      data: {
        key: event.key,
        cancellationId: event.cancellationId,
        subscriptionId: event.subscriptionId,
        accountId: event.accountId,
        actor: event.actor,
        type: event.type,
        data: JSON.stringify(event.data ?? {}),
        createdAt: new Date(event.at),
      },
    });
    return true;
  }

  /** Queues a notification in the outbox unless its key exists (`unseen`: as for appendEvent). */
  async function queueNotification(
    tx: DbTx,
    n: {
      key: string;
      accountId: string;
      cancellationId: string | null;
      template: string;
      recipient: string;
      payload: unknown;
      at: string;
    },
    { unseen = false }: { unseen?: boolean } = {},
  ): Promise<void> {
    if (!unseen && (await tx.notification.findUnique({ where: { key: n.key }, select: { id: true } }))) return;
    await tx.notification.create({
      data: {
        id: `ntf_${randomUUID().replace(/-/g, '').slice(0, 20)}`,
        key: n.key,
        accountId: n.accountId,
        cancellationId: n.cancellationId,
        template: n.template,
        recipient: n.recipient,
        payload: JSON.stringify(n.payload),
        createdAt: new Date(n.at),
      },
    });
  }

  const tx = <T>(fn: (t: DbTx) => Promise<T>) => db.$transaction(fn, { maxWait: 10_000, timeout: 20_000 });

  /**
   * One step of a scheduled cancellation, in one transaction: its audit event (keyed, so a retry
   * finds it and changes nothing) and, the first time only, the step's writes. Returns the view
   * after the step.
   */
  function onceFor(
    cancellationId: string,
    event: { key: string; type: string; actor: string; at: string; data?: (view: CancellationView) => unknown },
    apply: (t: DbTx, view: CancellationView) => Promise<CancellationRow | void>,
  ): Promise<CancellationView> {
    return tx(async (t) => {
      const view = await viewOf(t, cancellationId);
      const first = await appendEvent(t, {
        key: `${cancellationId}:${event.key}`,
        cancellationId,
        subscriptionId: view.subscriptionId,
        accountId: view.accountId,
        actor: event.actor,
        type: event.type,
        data: event.data?.(view),
        at: event.at,
      });
      if (!first) return view;
      const row = await apply(t, view);
      return row ? cancellationViewFromRow(row) : view;
    });
  }

  /** The fault tests' window between a decision's commit and its workflow task's completion. */
  async function afterDecisionCommit(): Promise<void> {
    const ms = faults?.pauseAfterDecisionMs;
    if (!ms) return;
    faults?.log?.(`fault injection: pausing ${ms} ms after the decision's commit`);
    await new Promise((resolve) => setTimeout(resolve, ms));
  }

  return { db, viewOf, appendEvent, queueNotification, tx, onceFor, afterDecisionCommit };
}

export type Store = ReturnType<typeof createStore>;
