/** Signing in with a portal link, signing out, and the language switch (API.md v1.2, portal sessions). */
import type { Request, Response } from 'express';
import type { Services } from '../api/services/context';
import { endPortalSession, openPortalLink, setPortalSessionLocale } from '../db/portal';
import { PortalLocales, type PortalLocale } from '../domain/portal';
import type { Portal } from './context';
import { sendError } from './views/errors';
import { clearSessionCookie, setSessionCookie } from './session';

const LINK_TOKEN = /^[A-Za-z0-9_-]{43}$/;
/** The pages the language switch may lead back to (never another site: no open redirect). */
const BACK = /^\/portal(\/(subscriptions|cancellations)\/[A-Za-z0-9_-]{1,64})?$/;

/**
 * GET /portal/login/<token>: a valid, unused, unexpired link opens a session (its cookie) and leads to the
 * products; anything else gets the same 401 page, whether the link was unknown, expired or used already.
 */
export async function signIn(req: Request, res: Response, services: Services): Promise<void> {
  res.setHeader('Cache-Control', 'no-store');
  const token = req.params.token;
  const opened =
    typeof token === 'string' && LINK_TOKEN.test(token)
      ? await openPortalLink(services.db, token, services.clock())
      : ({ kind: 'refused' } as const);
  if (opened.kind === 'opened') {
    services.logger.info(
      { userId: opened.session.userId, portalSessionId: opened.session.id },
      'portal session opened',
    );
    setSessionCookie(req, res, opened.sessionToken, services.publicUrl);
    res.redirect(303, '/portal');
    return;
  }
  sendError(req, res, 401, 'link_invalid', (m) => [m.errors.linkInvalid, m.errors.linkInvalidHelp]);
}

export async function signOut(req: Request, res: Response, p: Portal): Promise<void> {
  await endPortalSession(p.services.db, p.session.id, p.services.clock());
  clearSessionCookie(req, res, p.services.publicUrl);
  res.redirect(303, '/portal/signed-out');
}

/** The page's switch: the session remembers the choice, which outranks the user's locale and the browser's. */
export async function switchLanguage(req: Request, res: Response, p: Portal): Promise<void> {
  const locale = req.body?.locale;
  if (typeof locale === 'string' && (PortalLocales as readonly string[]).includes(locale))
    await setPortalSessionLocale(p.services.db, p.session.id, locale as PortalLocale);
  const back = typeof req.body?.back === 'string' && BACK.test(req.body.back) ? req.body.back : '/portal';
  res.redirect(303, back);
}
