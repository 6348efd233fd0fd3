/**
 * What every activity module shares: the transaction helper, the keyed audit event and notification
 * outbox writes that make each step once-only, the outbox events that announce them (API.md v1.2 event
 * types), and the classification of database errors into those a retry can cure and those it never will.
 */
import { userLocaleByEmail } from '../db/accounts';
import { newId } from '../db/ids';
import { ApplicationFailure } from '@temporalio/activity';
import type { CancellationRow, Db, DbTx } from '../db/client';
import { cancellationViewFromRow } from '../db/cancellations';
import { findCancellation } from '../db/cancellation-reads';
import { driverErrorKind, insertRow, isRawQueryFailure, keyExists } from '../db/sql';
import type { CancellationView } from '../domain/cancellation';
import { ErrorCode } from '../domain/errors';
import { eventTypeOfAuditType } from '../domain/events';
import { mailLocale } from '../outbound/mail/render';
import type { OutboundDeps } from './outbound';

export interface ActivityDeps {
  db: Db;
  /** Fault injection for the fault tests (config: FAULT_PAUSE_AFTER_DECISION_MS); never set in production. */
  faults?: { pauseAfterDecisionMs?: number; log?: (message: string) => void };
  /**
   * Hands the outbox events a committed transaction wrote to the worker's relay (worker/outbox-relay.ts).
   * Fire and forget: an event it loses is taken up by the worker's sweep, so no step waits on it.
   */
  dispatchEvents?: (events: AnnouncedEvent[]) => void;
  /** The outbound channels' activities (worker/outbound.ts); the cancellation worker does without them. */
  outbound?: OutboundDeps;
}

/** An outbox event as its transaction wrote it: what the relay needs without reading it back. */
export interface AnnouncedEvent {
  id: string;
  accountId: string;
  type: string;
  /** Its e-mail, written `pending` by the same transaction; null when the change has none. */
  notificationId: string | null;
}

/** What a transaction announces: audit events that are also outbox events, and the notifications it queued. */
interface Announcements {
  events: {
    key: string;
    type: string;
    /** The audit event's type, which is also the template of the notification announcing the same change. */
    auditType: string;
    cancellationId: string | null;
    accountId: string;
    at: string;
    object?: unknown;
  }[];
  /** Notification ids by template. */
  notifications: Map<string, string>;
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

/**
 * The same failures from a hand-written statement (db/sql.ts), which Prisma reports as P2010 with the
 * driver's kind: a value too long for its column (P2000 when typed), a missing value (P2011) and a broken
 * foreign key (P2003). Any other kind is retried, as the typed queries' other errors are.
 */
const DATA_ERROR_KINDS = new Set(['LengthMismatch', 'NullConstraintViolation', 'ForeignKeyConstraintViolation']);

export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && DATA_ERROR_CODES.has(code)) return true;
  return isRawQueryFailure(err) && DATA_ERROR_KINDS.has(driverErrorKind(err) ?? '');
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

export function createStore({ db, faults, dispatchEvents }: ActivityDeps) {
  /** The announcements of each open transaction (keyed by its client), written out before it commits. */
  const announced = new WeakMap<object, Announcements>();

  async function viewOf(tx: DbTx | Db, cancellationId: string): Promise<CancellationView> {
    const row = await findCancellation(tx, cancellationId);
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
    {
      unseen = false,
      object,
    }: {
      unseen?: boolean;
      /** The outbox event's object when it is not the cancellation itself (a refusal's own shape). */
      object?: unknown;
    } = {},
  ): Promise<boolean> {
    if (!unseen && (await keyExists(tx, 'CancellationEvent', event.key))) return false;
    await insertRow(tx, 'CancellationEvent', {
      key: event.key,
      cancellationId: event.cancellationId,
      subscriptionId: event.subscriptionId,
      accountId: event.accountId,
      actor: event.actor,
      type: event.type,
      data: JSON.stringify(event.data ?? {}),
      createdAt: new Date(event.at),
    });
    const type = eventTypeOfAuditType(event.type);
    if (type)
      announced.get(tx)?.events.push({
        key: event.key,
        type,
        auditType: event.type,
        cancellationId: event.cancellationId,
        accountId: event.accountId,
        at: event.at,
        object,
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
      /** The recipient's locale when the caller knows it (null: none set); looked up by e-mail otherwise. */
      locale?: string | null;
      payload: unknown;
      at: string;
    },
    { unseen = false }: { unseen?: boolean } = {},
  ): Promise<void> {
    if (!unseen && (await keyExists(tx, 'Notification', n.key))) return;
    const locale = n.locale !== undefined ? n.locale : await userLocaleByEmail(tx, n.recipient);
    const id = newId('ntf');
    await insertRow(tx, 'Notification', {
      id,
      key: n.key,
      accountId: n.accountId,
      cancellationId: n.cancellationId,
      template: n.template,
      recipient: n.recipient,
      locale: mailLocale(locale),
      payload: JSON.stringify(n.payload),
      createdAt: new Date(n.at),
    });
    announced.get(tx)?.notifications.set(n.template, id);
  }

  /**
   * Writes the transaction's outbox events, each with the cancellation as the transaction leaves it (the
   * result, when it is that cancellation's view, saves a read) and the notification of the same template.
   */
  async function writeAnnouncements(t: DbTx, a: Announcements, result: unknown): Promise<AnnouncedEvent[]> {
    const written: AnnouncedEvent[] = [];
    for (const e of a.events) {
      let object = e.object;
      if (object === undefined && e.cancellationId) {
        const own = result as Partial<CancellationView> | null;
        object = own && own.id === e.cancellationId && own.stage ? own : await viewOf(t, e.cancellationId);
      }
      const event = {
        id: newId('evt'),
        accountId: e.accountId,
        type: e.type,
        notificationId: a.notifications.get(e.auditType) ?? null,
      };
      await insertRow(t, 'OutboxEvent', {
        ...event,
        key: e.key,
        object: JSON.stringify(object ?? {}),
        createdAt: new Date(e.at),
      });
      written.push(event);
    }
    return written;
  }

  /** One transaction; the outbox events it wrote are handed to their delivery workflows once it has committed. */
  async function tx<T>(fn: (t: DbTx) => Promise<T>): Promise<T> {
    let events: AnnouncedEvent[] = [];
    const result = await db.$transaction(
      async (t) => {
        const a: Announcements = { events: [], notifications: new Map() };
        announced.set(t, a);
        const value = await fn(t);
        events = await writeAnnouncements(t, a, value);
        return value;
      },
      { maxWait: 10_000, timeout: 20_000 },
    );
    if (events.length) dispatchEvents?.(events);
    return result;
  }

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
