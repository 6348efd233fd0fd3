/**
 * Hand-written statements for the hot paths (a cancellation's decision and steps, the outbox), through the
 * same Prisma client, connection and transaction as the rest. Prisma's typed queries cost the process about
 * 1–1.5 ms of CPU each here, against 0.2–0.5 ms for the same statement as a raw query (`npm run
 * bench:statements`; README, Performance). The SQL is the subset both dialects read alike (quoted
 * identifiers, `?`/`$n` placeholders chosen by the adapter), and rows come back typed from the columns'
 * declared types, as Prisma reads them: `SELECT *` gives the model's row.
 */
import { Prisma } from './generated/sqlite/client';
import type {
  Cancellation,
  CancellationEvent,
  IdempotencyRecord,
  Notification,
  OutboxEvent,
  Subscription,
} from './generated/sqlite/client';
import type { Db, DbTx } from './client';

/** The tables written by hand, with their rows as Prisma reads them. */
interface Rows {
  Cancellation: Cancellation;
  CancellationEvent: CancellationEvent;
  IdempotencyRecord: IdempotencyRecord;
  Notification: Notification;
  OutboxEvent: OutboxEvent;
  Subscription: Subscription;
}
export type Table = keyof Rows;
type Value = string | number | boolean | Date | null;

/**
 * The columns Prisma's client fills itself (`@default(now())`, `@updatedAt`; the migrations' SQLite default
 * would store another text format): a hand-written insert gives them, an update sets `updatedAt`.
 * test/db/sql.test.ts checks this list against both schemas.
 */
export const CLIENT_STAMPS: Record<Table, { createdAt: boolean; updatedAt: boolean }> = {
  Cancellation: { createdAt: true, updatedAt: true },
  CancellationEvent: { createdAt: true, updatedAt: false },
  IdempotencyRecord: { createdAt: true, updatedAt: false },
  Notification: { createdAt: true, updatedAt: false },
  OutboxEvent: { createdAt: false, updatedAt: false },
  Subscription: { createdAt: true, updatedAt: true },
};

const name = (identifier: string) => {
  if (!/^[A-Za-z]+$/.test(identifier)) throw new Error(`not an identifier: ${identifier}`);
  return Prisma.raw(`"${identifier}"`);
};

function columns(values: Record<string, Value | undefined>): [string, Value][] {
  return Object.entries(values).filter((entry): entry is [string, Value] => entry[1] !== undefined);
}

/** One row, as Prisma's `create` would write it (its client-side stamps included); columns left out take their defaults. */
export async function insertRow<T extends Table>(
  db: Db | DbTx,
  table: T,
  values: Partial<Rows[T]>,
  now = new Date(),
): Promise<void> {
  const given = values as Record<string, Value | undefined>;
  const stamps = CLIENT_STAMPS[table];
  // As Prisma: a stamp left out or given as undefined is now.
  const row = columns({
    ...given,
    ...(stamps.createdAt ? { createdAt: given.createdAt ?? now } : {}),
    ...(stamps.updatedAt ? { updatedAt: given.updatedAt ?? now } : {}),
  });
  await db.$executeRaw`INSERT INTO ${name(table)} (${Prisma.join(
    row.map(([column]) => name(column)),
  )}) VALUES (${Prisma.join(row.map(([, value]) => value))})`;
}

/** The SET list of an update (with `updatedAt` where Prisma's client sets it), for the caller's own WHERE. */
export function assignments<T extends Table>(table: T, values: Partial<Rows[T]>, now = new Date()): Prisma.Sql {
  const given = values as Record<string, Value | undefined>;
  const set = columns({
    ...given,
    ...(CLIENT_STAMPS[table].updatedAt ? { updatedAt: given.updatedAt ?? now } : {}),
  });
  if (!set.length) throw new Error(`an update of ${table} with nothing to set`);
  return Prisma.join(
    set.map(([column, value]) => Prisma.sql`${name(column)} = ${value}`),
    ', ',
  );
}

/** Updates one row by id; throws Prisma's own "record not found" (P2025, a data error) when there is none. */
export async function updateRow<T extends Table>(
  db: Db | DbTx,
  table: T,
  id: string,
  values: Partial<Rows[T]>,
  now = new Date(),
): Promise<void> {
  const count = await db.$executeRaw`UPDATE ${name(table)} SET ${assignments(table, values, now)} WHERE "id" = ${id}`;
  if (count !== 1) throw recordNotFound(`${table} ${id}`);
}

/** A row by id, exactly as Prisma's `findUnique` returns it; null when there is none. */
export async function findRow<T extends Table>(db: Db | DbTx, table: T, id: string): Promise<Rows[T] | null> {
  const rows = await db.$queryRaw<Rows[T][]>`SELECT * FROM ${name(table)} WHERE "id" = ${id}`;
  return rows[0] ?? null;
}

/** Whether a row holds this unique key (the once-only keys of audit events and notifications). */
export async function keyExists(
  db: Db | DbTx,
  table: 'CancellationEvent' | 'Notification',
  key: string,
): Promise<boolean> {
  const rows = await db.$queryRaw<unknown[]>`SELECT 1 AS "found" FROM ${name(table)} WHERE "key" = ${key}`;
  return rows.length > 0;
}

/** Aggregates come back as big integers from both adapters; the amounts here fit a number. */
export const toNumber = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

function recordNotFound(what: string): Error {
  return Object.assign(new Error(`${what}: record to update not found`), { code: 'P2025' });
}

/**
 * The driver adapter's kind of failure behind a database error (@prisma/driver-adapter-utils:
 * `UniqueConstraintViolation`, `SocketTimeout`, …): in a Prisma error's `meta`, or on the adapter's own error.
 * Undefined for any other error.
 */
export function driverErrorKind(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { meta, name, cause } = err as {
    meta?: { driverAdapterError?: { cause?: { kind?: unknown } } };
    name?: unknown;
    cause?: { kind?: unknown };
  };
  const kind = meta?.driverAdapterError?.cause?.kind ?? (name === 'DriverAdapterError' ? cause?.kind : undefined);
  return typeof kind === 'string' ? kind : undefined;
}

/** Prisma's code for a hand-written statement's failure, whatever the driver's kind. */
export const isRawQueryFailure = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === 'P2010';

/** A unique constraint refused the write, from a typed query (P2002) or a hand-written one (both adapters' kind). */
export function isUniqueViolation(err: unknown): boolean {
  if ((err as { code?: unknown } | null)?.code === 'P2002') return true;
  return isRawQueryFailure(err) && driverErrorKind(err) === 'UniqueConstraintViolation';
}
