/** What several portal pages show: charges, refusals with their advice, dates and the time left. */
import { chargeLineKind } from '../../domain/charges';
import type { Refusal } from '../../domain/errors';
import type { Charges } from '../../domain/types';
import { context as mailContext, type Context } from '../../outbound/mail/format';
import { explainRefusal } from '../../outbound/mail/refusals';
import type { PortalLocale } from '../../domain/portal';
import { html, type Html } from '../html';
import { portalCatalogues, type PortalMessages } from '../messages';

/** The language's catalogue and formatters: the e-mails' (dates, amounts, refusal advice) and the portal's own. */
export interface Say {
  locale: PortalLocale;
  m: PortalMessages;
  /** The e-mails' formatters and catalogue, for what the pages and the e-mails say alike. */
  mail: (product: string) => Context;
  date: (iso: string) => string;
  dateTime: (iso: string) => string;
}

export function say(locale: PortalLocale): Say {
  const base = mailContext(locale, '');
  return {
    locale,
    m: portalCatalogues[locale],
    mail: (product) => mailContext(locale, product),
    date: base.date,
    dateTime: base.dateTime,
  };
}

/** P13–P15: the charges line by line, their total, and "no refund". */
export function chargesTable(charges: Charges, s: Say, product: string): Html {
  const ctx = s.mail(product);
  const words = ctx.m.scheduled;
  const rows = charges.lines.map(
    (line) =>
      html`<tr>
        <td>
          ${chargeLineKind(line) === 'current_period' ? s.m.subscription.currentPeriod : s.m.subscription.contractMonth}
        </td>
        <td>${ctx.period(line.periodStart, line.periodEnd)}</td>
        <td class="amount">${ctx.money(line.amountCents, charges.currency)}</td>
      </tr>`,
  );
  const table =
    charges.lines.length === 0
      ? html`<p data-testid="charges-none">${words.noCharges}</p>`
      : html`<div class="table-wrap">
          <table data-testid="charges">
            <caption class="muted">
              ${words.chargesIntro}
            </caption>
            <thead>
              <tr>
                <th scope="col">${words.columns.description}</th>
                <th scope="col">${words.columns.period}</th>
                <th scope="col" class="amount">${words.columns.amount}</th>
              </tr>
            </thead>
            <tbody>
              ${rows}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colspan="2">${words.total}</th>
                <td class="amount">${ctx.money(charges.remainingCents, charges.currency)}</td>
              </tr>
            </tfoot>
          </table>
        </div>`;
  return html`${table}
    <p data-testid="no-refund"><strong>${s.m.subscription.noRefund}</strong></p>`;
}

/** P11: each refusal, what went wrong and what to do next (the e-mails' words: one home for the advice). */
export function refusalList(refusals: Refusal[], s: Say, product: string, currency: string): Html {
  const ctx = s.mail(product);
  return html`<ul class="refusals">
    ${refusals.map((r) => {
      const withCurrency: Refusal = { ...r, details: { currency, ...(r.details ?? {}) } };
      const { lead, text } = explainRefusal(withCurrency, ctx);
      return html`<li data-refusal="${r.code}">${lead ? html`<strong>${lead}</strong> ` : ''}${text}</li>`;
    })}
  </ul>`;
}

/** "in 3 days", "in 5 hours", "dans 12 minutes"; `reached` once it has passed. */
export function timeLeft(effectiveAt: string, now: Date, s: Say): string {
  const ms = new Date(effectiveAt).getTime() - now.getTime();
  if (!(ms > 0)) return s.m.cancellation.reached;
  const rtf = new Intl.RelativeTimeFormat(s.locale, { numeric: 'always' });
  const minutes = Math.ceil(ms / 60_000);
  if (minutes < 60) return rtf.format(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return rtf.format(hours, 'hour');
  return rtf.format(Math.floor(hours / 24), 'day');
}
