/**
 * The portal's session: an HttpOnly, SameSite=Strict cookie (Secure when the request came over TLS) naming a
 * PortalSession row by its digest (db/portal.ts), and the CSRF token of its forms, derived from the cookie's secret
 * so that nothing else needs storing: a page of another site can neither read the cookie nor compute the token.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { PortalLocales, type PortalLocale } from '../domain/portal';

export const SESSION_COOKIE = 'portal_session';
const COOKIE_PATH = '/portal';

export function readCookie(req: Request, name: string): string | null {
  const header = req.get('cookie');
  if (!header) return null;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) {
      const value = part.slice(at + 1).trim();
      return /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : null;
    }
  }
  return null;
}

/**
 * `Secure` when the request came over TLS, or when PUBLIC_URL is https (a proxy terminating TLS in front of the
 * API: the browser's side of it is TLS even though this hop is not).
 */
const secure = (req: Request, publicUrl: string | undefined): string =>
  req.secure || publicUrl?.startsWith('https:') ? '; Secure' : '';

export function setSessionCookie(req: Request, res: Response, token: string, publicUrl?: string): void {
  res.append(
    'Set-Cookie',
    `${SESSION_COOKIE}=${token}; Path=${COOKIE_PATH}; HttpOnly; SameSite=Strict${secure(req, publicUrl)}`,
  );
}

export function clearSessionCookie(req: Request, res: Response, publicUrl?: string): void {
  res.append(
    'Set-Cookie',
    `${SESSION_COOKIE}=; Path=${COOKIE_PATH}; HttpOnly; SameSite=Strict; Max-Age=0${secure(req, publicUrl)}`,
  );
}

export function csrfTokenOf(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('portal-csrf').digest('base64url');
}

export function csrfValid(sessionToken: string, sent: unknown): boolean {
  if (typeof sent !== 'string') return false;
  const expected = Buffer.from(csrfTokenOf(sessionToken));
  const given = Buffer.from(sent);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * A POST must come from a page of this origin: when the browser says where from (Origin, or Sec-Fetch-Site), it
 * must be here: the origin the request came to, or PUBLIC_URL's (behind a proxy ending TLS, or rewriting Host, the
 * browser's origin is not this hop's). The CSRF token is the check that counts; this one stops a forged form before
 * it costs a look-up.
 */
export function sameOrigin(req: Request, publicUrl?: string): boolean {
  const site = req.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.get('origin');
  // A browser says `null` when the page's referrer policy hides it: then only Sec-Fetch-Site can vouch.
  if (origin === 'null') return site === 'same-origin';
  if (!origin) return true;
  return origin === `${req.protocol}://${req.get('host')}` || (!!publicUrl && origin === new URL(publicUrl).origin);
}

/** The best of the browser's Accept-Language that the portal speaks, or null. */
export function acceptedLocale(req: Request): PortalLocale | null {
  const header = req.get('accept-language');
  if (!header) return null;
  const ranked = header
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)).find(Boolean);
      return { lang: tag.trim().toLowerCase().split('-')[0], q: q ? Number(q[1]) : 1, i };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  const hit = ranked.find((r) => (PortalLocales as readonly string[]).includes(r.lang));
  return (hit?.lang as PortalLocale | undefined) ?? null;
}

/** The page's switch first, then the user's locale, then the browser's Accept-Language (issue 15), else English. */
export function pageLocale(req: Request, chosen: PortalLocale | null, userLocale: string | null): PortalLocale {
  if (chosen) return chosen;
  if (userLocale === 'en' || userLocale === 'fr') return userLocale;
  return acceptedLocale(req) ?? 'en';
}
