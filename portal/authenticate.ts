/**
 * The session behind a portal request (its cookie), the reader's language, the forms' secrets, and the CSRF
 * check of every POST (portal/session.ts).
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../api/errors';
import type { Services } from '../api/services/context';
import { escapeHtml } from '../outbound/mail/format';
import type { Portal } from './context';
import type { FormSecrets } from './html';
import { acceptedLocale, csrfTokenOf, csrfValid, pageLocale, readCookie, sameOrigin, SESSION_COOKIE } from './session';
import { findPrincipalForPortal } from './session-store';
import { say } from './views/common';
import { sendError } from './views/errors';

export async function authenticate(req: Request, res: Response, next: NextFunction, services: Services): Promise<void> {
  const token = readCookie(req, SESSION_COOKIE);
  const found = token ? await findPrincipalForPortal(services, token) : null;
  if (!found || !token) {
    const s = say(acceptedLocale(req) ?? 'en');
    // A link opened from another site: its redirect to /portal is a cross-site navigation, which leaves the
    // SameSite=Strict cookie behind. One same-site reload sends it.
    if (
      req.method === 'GET' &&
      token === null &&
      req.get('sec-fetch-site') === 'cross-site' &&
      req.query.r === undefined
    ) {
      const url = escapeHtml(`${req.baseUrl}${req.path}?r=1`);
      res
        .status(200)
        .type('html')
        .send(
          `<!doctype html><html lang="${s.locale}"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${url}"><title>${s.m.portalName}</title></head><body><p><a href="${url}">${s.m.errors.continue}</a></p></body></html>`,
        );
      return;
    }
    sendError(req, res, 401, 'session_expired', (m) => [m.errors.sessionExpired, m.errors.sessionExpiredHelp]);
    return;
  }
  const { session, principal } = found;
  const s = say(pageLocale(req, session.locale, principal.locale));
  const secrets: FormSecrets = { csrf: csrfTokenOf(token), newKey: () => randomUUID() };
  const portal: Portal = {
    services,
    session,
    principal,
    s,
    secrets,
    chrome: {
      locale: s.locale,
      m: s.m,
      // Where the language switch comes back to: this page, or for the review step (a POST) its product's page.
      session: {
        email: principal.email,
        secrets,
        returnUrl: session.returnUrl,
        here: `${req.baseUrl}${req.path}`.replace(/\/cancel$/, ''),
      },
    },
  };
  res.locals.portal = portal;
  if (req.method === 'POST' && !(sameOrigin(req, services.publicUrl) && csrfValid(token, req.body?._csrf))) {
    throw new ApiError('permission_error', 'csrf_failed', 'The form’s CSRF token is missing or wrong.');
  }
  next();
}
