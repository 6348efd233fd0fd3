import { randomUUID } from 'node:crypto';
import { VERIFICATION_MAX_FAILURES } from '../domain/verification';
import type { Db } from './client';

/** P12: the account's most recent failed support verifications, newest first (enough to decide a lockout). */
export async function recentVerificationFailures(db: Db, accountId: string): Promise<Date[]> {
  const rows = await db.verificationFailure.findMany({
    where: { accountId },
    orderBy: [{ failedAt: 'desc' }, { id: 'desc' }],
    take: VERIFICATION_MAX_FAILURES,
    select: { failedAt: true },
  });
  return rows.map((r) => r.failedAt);
}

/** One failed verification, kept in the database so that every API instance counts it. */
export async function recordVerificationFailure(
  db: Db,
  failure: { accountId: string; supportAgentId: string; failedAt: Date },
): Promise<void> {
  await db.verificationFailure.create({ data: { id: randomUUID(), ...failure } });
}

/** Failures older than the lockout window no longer matter. */
export async function purgeVerificationFailures(db: Db, before: Date): Promise<number> {
  const { count } = await db.verificationFailure.deleteMany({ where: { failedAt: { lt: before } } });
  return count;
}
