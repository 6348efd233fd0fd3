import type { Db } from './client';
import { assignments, insertRow, isUniqueViolation } from './sql';

/**
 * Idempotency-Key records (Stripe semantics), kept in the database so every API instance sees the
 * same ones. Inserting the record (with no status yet) is the lock: the primary key
 * (principal, key) lets exactly one request insert it, on SQLite and PostgreSQL alike, so two
 * instances never both execute the same request.
 */
export type IdempotencyClaim =
  { kind: 'claimed' } | { kind: 'replay'; status: number; body: string } | { kind: 'in_flight' } | { kind: 'mismatch' };

export interface ClaimInput {
  principal: string;
  key: string;
  requestHash: string;
  method: string;
  path: string;
  now: Date;
  /** Records older than this are forgotten: the key may be used again (Stripe: 24 h). */
  ttlMs: number;
  /** An unfinished record older than this belongs to a request whose process died: take it over. */
  lockTimeoutMs: number;
}

export async function claimIdempotencyKey(db: Db, input: ClaimInput): Promise<IdempotencyClaim> {
  const { principal, key } = input;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // Hand-written (db/sql.ts), as the completion below: two statements of every request with a key.
      await insertRow(db, 'IdempotencyRecord', {
        principal,
        key,
        requestHash: input.requestHash,
        method: input.method,
        path: input.path,
        createdAt: input.now,
      });
      return { kind: 'claimed' };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    const existing = await db.idempotencyRecord.findUnique({ where: { principal_key: { principal, key } } });
    if (!existing) continue; // removed between our insert and this read: try the insert again
    const age = input.now.getTime() - existing.createdAt.getTime();
    if (age >= input.ttlMs) {
      // Expired: forget it. The createdAt condition makes sure we delete that record and no newer one.
      await db.idempotencyRecord.deleteMany({ where: { principal, key, createdAt: existing.createdAt } });
      continue;
    }
    if (existing.requestHash !== input.requestHash) return { kind: 'mismatch' };
    if (existing.status === null || existing.responseBody === null) {
      if (age < input.lockTimeoutMs) return { kind: 'in_flight' };
      await db.idempotencyRecord.deleteMany({ where: { principal, key, status: null, createdAt: existing.createdAt } });
      continue;
    }
    return { kind: 'replay', status: existing.status, body: existing.responseBody };
  }
  // Three races lost in a row: another request keeps taking the key, so it is in flight.
  return { kind: 'in_flight' };
}

export async function completeIdempotencyKey(
  db: Db,
  input: { principal: string; key: string; status: number; body: string; now: Date },
): Promise<void> {
  // No record left in flight (released, or expired and taken over) is not an error: there is nothing to complete.
  const set = assignments('IdempotencyRecord', {
    status: input.status,
    responseBody: input.body,
    completedAt: input.now,
  });
  await db.$executeRaw`UPDATE "IdempotencyRecord" SET ${set}
    WHERE "principal" = ${input.principal} AND "key" = ${input.key} AND "status" IS NULL`;
}

/** Lets the key be retried: used when the request failed in a way a retry may fix (5xx). */
export async function releaseIdempotencyKey(db: Db, input: { principal: string; key: string }): Promise<void> {
  await db.idempotencyRecord.deleteMany({ where: { principal: input.principal, key: input.key, status: null } });
}

/** Housekeeping: drops records past their time to live. */
export async function purgeExpiredIdempotencyKeys(db: Db, olderThan: Date): Promise<number> {
  const { count } = await db.idempotencyRecord.deleteMany({ where: { createdAt: { lt: olderThan } } });
  return count;
}
