/**
 * HTML for the portal's pages: every value goes through `esc` (or is markup this module built), so nothing a
 * customer or another system wrote can become markup. The page works without JavaScript; portal/assets.ts adds a
 * little (the live status).
 */
import { escapeHtml } from '../outbound/mail/format';
import type { PortalLocale } from '../domain/portal';
import { PortalLocales } from '../domain/portal';
import type { PortalMessages } from './messages';

/** Markup this module vouches for, as opposed to text, which is escaped. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Content = Html | string | number | null | undefined | false | Content[];

const render = (content: Content): string => {
  if (content === null || content === undefined || content === false) return '';
  if (content instanceof Html) return content.value;
  if (Array.isArray(content)) return content.map(render).join('');
  return escapeHtml(String(content));
};

/** A tagged template: interpolated values are escaped unless they are Html (arrays are joined). */
export function html(strings: TemplateStringsArray, ...values: Content[]): Html {
  let out = strings[0];
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1];
  });
  return new Html(out);
}

/** The hidden fields every POST form carries: the session's CSRF token and a fresh Idempotency-Key. */
export interface FormSecrets {
  csrf: string;
  newKey: () => string;
}

export function form(
  action: string,
  secrets: FormSecrets,
  attrs: { testId: string; className?: string; label?: string },
  body: Content,
): Html {
  return html`<form
    method="post"
    action="${action}"
    data-testid="${attrs.testId}"
    class="${attrs.className ?? ''}"
    ${attrs.label ? html` aria-label="${attrs.label}"` : ''}
  >
    <input type="hidden" name="_csrf" value="${secrets.csrf}" /><input
      type="hidden"
      name="idempotencyKey"
      value="${secrets.newKey()}"
    />${body}
  </form>`;
}

export interface Chrome {
  locale: PortalLocale;
  m: PortalMessages;
  /** Signed in: who, the form secrets, and where "back" leads. */
  session?: { email: string; secrets: FormSecrets; returnUrl: string | null; here: string };
}

export interface PageSpec {
  title: string;
  /** A status line announced to screen readers (role=status): the outcome of the last action. */
  notice?: string | null;
  /** Set on pages whose state changes by itself: the script refreshes the `[data-live]` region. */
  live?: string;
  body: Content;
}

export function page(chrome: Chrome, spec: PageSpec): string {
  const { m, session, locale } = chrome;
  const nav = session
    ? html`<nav class="top-nav" aria-label="${m.portalName}">
        <a href="/portal">${m.yourProducts}</a>
        ${session.returnUrl ? html`<a href="${session.returnUrl}">${m.backToConsole}</a>` : ''}
        ${form(
          '/portal/language',
          session.secrets,
          { testId: 'language-form', className: 'inline', label: m.language },
          html`<input type="hidden" name="back" value="${session.here}" />${PortalLocales.map(
              (l) =>
                html`<button
                  type="submit"
                  name="locale"
                  value="${l}"
                  lang="${l}"
                  ${l === locale ? html` aria-pressed="true"` : html` aria-pressed="false"`}
                >
                  ${m.languageNames[l]}
                </button>`,
            )}`,
        )}
        ${form(
          '/portal/sign-out',
          session.secrets,
          { testId: 'sign-out-form', className: 'inline' },
          html`<button type="submit">${m.signOut}</button>`,
        )}
      </nav>`
    : '';
  return html`<!doctype html>
    <html lang="${locale}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${spec.title} · ${m.portalName}</title>
        <link rel="stylesheet" href="/portal/assets/portal.css" />
        <script src="/portal/assets/portal.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">${m.skipToContent}</a>
        <header class="top">
          <p class="brand">${m.portalName}</p>
          ${session ? html`<p class="who">${m.signedInAs(session.email)}</p>` : ''} ${nav}
        </header>
        <main id="main" tabindex="-1" ${spec.live ? html` data-live="${spec.live}"` : ''}>
          <div role="status" class="notice${spec.notice ? '' : ' empty'}" data-testid="notice">
            ${spec.notice ?? ''}
          </div>
          ${spec.body}
        </main>
      </body>
    </html> `.value;
}
