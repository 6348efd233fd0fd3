/** A page that says what went wrong in the reader's language, with the API's code and status kept for machines. */
import { html, page, type Chrome, type Html } from '../html';
import type { Request, Response } from 'express';
import type { PortalMessages } from '../messages';
import { acceptedLocale } from '../session';
import { say } from './common';

export interface PortalErrorView {
  status: number;
  code: string;
  title: string;
  text: string;
  /** Refusals or invalid fields, already said. */
  items?: Html;
  signedIn: boolean;
}

/** The reader's words for an API error code; the API's own message is the fallback. */
export function errorText(m: PortalMessages, code: string, fallback: string): string {
  const e = m.errors;
  const byCode: Record<string, string> = {
    csrf_failed: e.csrf,
    resource_missing: e.notFound,
    unknown_route: e.notFound,
    role_not_permitted: e.roleNotPermitted,
    permission_denied: e.roleNotPermitted,
    cancellation_in_progress: e.inProgress,
    cancellation_closed: e.closed,
    withdraw_not_allowed: e.withdrawNotAllowed,
    service_unavailable: e.unavailable,
    idempotency_key_in_use: e.stillWorking,
    idempotency_key_reused: e.keyReused,
    invalid_body: e.invalid,
  };
  return byCode[code] ?? (fallback || e.generic);
}

export function errorBody(view: PortalErrorView, m: PortalMessages): Html {
  return html`<h1>${view.title}</h1>
    <div class="error-box" data-testid="error" data-code="${view.code}" data-status="${String(view.status)}">
      <p>${view.text}</p>
      ${view.items ?? ''}
    </div>
    ${view.signedIn ? html`<p><a href="/portal">${m.errors.backToProducts}</a></p>` : ''}`;
}

/**
 * A page for someone not signed in (or no longer): the error in their browser's language, its code kept.
 * `words` picks the title and the text from the catalogue.
 */
export function sendError(
  req: Request,
  res: Response,
  status: number,
  code: string,
  words: (m: PortalMessages) => [title: string, text: string],
): void {
  const s = say(acceptedLocale(req) ?? 'en');
  const [title, text] = words(s.m);
  const chrome: Chrome = { locale: s.locale, m: s.m };
  res
    .status(status)
    .type('html')
    .send(page(chrome, { title, body: errorBody({ status, code, title, text, signedIn: false }, s.m) }));
}
