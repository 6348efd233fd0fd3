import { randomBytes } from 'node:crypto';
import { PortalIdleTimeoutMs, PortalLinkTtlMs, PortalTouchIntervalMs, type PortalLocale } from '../domain/portal';
import type { Db } from './client';
import { newId } from './ids';
import { hashToken } from './tokens';

/**
 * Portal links and sessions (API.md v1.2). Both are bearer secrets: 32 random bytes given out once, and only their
 * SHA-256 digest is stored, as for API tokens.
 */
const newSecret = (): string => randomBytes(32).toString('base64url');

export async function createPortalLink(
  db: Db,
  input: { userId: string; serviceClientId: string; returnUrl: string | null; now: Date },
): Promise<{ token: string; expiresAt: Date }> {
  const token = newSecret();
  const expiresAt = new Date(input.now.getTime() + PortalLinkTtlMs);
  await db.portalLink.create({
    data: {
      id: newId('pl'),
      tokenHash: hashToken(token),
      userId: input.userId,
      serviceClientId: input.serviceClientId,
      returnUrl: input.returnUrl,
      createdAt: input.now,
      expiresAt,
    },
  });
  return { token, expiresAt };
}

export interface PortalSessionRecord {
  id: string;
  userId: string;
  returnUrl: string | null;
  locale: PortalLocale | null;
}

export type OpenedLink = { kind: 'opened'; sessionToken: string; session: PortalSessionRecord } | { kind: 'refused' };

/**
 * Opens a link: marks it used and creates its session in one transaction. The conditional update is the lock: of
 * two openings of the same link, exactly one changes the row, so a link signs in once. Unknown, expired and used
 * links are refused alike (the page says the same for each, so a guess learns nothing).
 */
export async function openPortalLink(db: Db, token: string, now: Date): Promise<OpenedLink> {
  const link = await db.portalLink.findUnique({ where: { tokenHash: hashToken(token) } });
  if (!link || link.usedAt !== null || link.expiresAt <= now) return { kind: 'refused' };
  const sessionToken = newSecret();
  const session = await db.$transaction(async (tx) => {
    const { count } = await tx.portalLink.updateMany({
      where: { id: link.id, usedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now },
    });
    if (count !== 1) return null;
    return tx.portalSession.create({
      data: {
        id: newId('ps'),
        tokenHash: hashToken(sessionToken),
        userId: link.userId,
        linkId: link.id,
        returnUrl: link.returnUrl,
        createdAt: now,
        lastSeenAt: now,
      },
    });
  });
  if (!session) return { kind: 'refused' };
  return { kind: 'opened', sessionToken, session: record(session) };
}

/**
 * The session a cookie names, if it is still open: not signed out, and used within the idle timeout. Its last
 * activity moves on (at most once a minute).
 */
export async function findPortalSession(db: Db, token: string, now: Date): Promise<PortalSessionRecord | null> {
  const row = await db.portalSession.findUnique({ where: { tokenHash: hashToken(token) } });
  if (!row || row.endedAt !== null || now.getTime() - row.lastSeenAt.getTime() >= PortalIdleTimeoutMs) return null;
  if (now.getTime() - row.lastSeenAt.getTime() >= PortalTouchIntervalMs)
    await db.portalSession.update({ where: { id: row.id }, data: { lastSeenAt: now }, select: { id: true } });
  return record(row);
}

export async function endPortalSession(db: Db, id: string, now: Date): Promise<void> {
  await db.portalSession.updateMany({ where: { id, endedAt: null }, data: { endedAt: now } });
}

export async function setPortalSessionLocale(db: Db, id: string, locale: PortalLocale): Promise<void> {
  await db.portalSession.update({ where: { id }, data: { locale }, select: { id: true } });
}

function record(row: {
  id: string;
  userId: string;
  returnUrl: string | null;
  locale: string | null;
}): PortalSessionRecord {
  return {
    id: row.id,
    userId: row.userId,
    returnUrl: row.returnUrl,
    locale: row.locale === 'en' || row.locale === 'fr' ? row.locale : null,
  };
}

/** Ends every open session of a user (an operator's "sign out everywhere"); answers how many were open. */
export async function endUserPortalSessions(db: Db, userId: string, now: Date): Promise<number> {
  const { count } = await db.portalSession.updateMany({ where: { userId, endedAt: null }, data: { endedAt: now } });
  return count;
}
