/**
 * The cancellation e-mails (API.md, "Notification templates"), rendered from the object a notification was queued
 * with. Pure: no I/O, no clock, no environment; the same input always gives the same mail, so the sending activity
 * can render again on a retry and get the very message it tried before.
 *
 * Each template (templates.ts) first builds one small document (headings, paragraphs, lists, the charges table)
 * from the catalogue's wording (messages.ts); the plain text and the HTML are two renderings of that document
 * (document.ts), so both parts of a mail always state the same facts.
 */
import type { CancellationView } from '../../domain/cancellation';
import { toHtml, toText } from './document';
import { context, oneLine } from './format';
import type { MailLocale } from './messages';
import { documentFor, MailTemplates, type MailTemplate, type RefusalObject } from './templates';

export { escapeHtml } from './format';
export { MailLocales, type MailLocale } from './messages';
export { MailTemplates, type MailTemplate, type RefusalObject } from './templates';

export interface MailInput {
  template: MailTemplate;
  locale: MailLocale;
  /** The subscription's product, named in the mail. */
  product: { code: string; name: string };
  /** The Cancellation (API.md) as it was when the notification was queued; for cancellation_refused the RefusalObject. */
  object: CancellationView | RefusalObject;
  /** cancellation_reminder only: how long before the effective date ('7d' or '1d'). */
  before?: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export function isMailTemplate(value: string): value is MailTemplate {
  return (MailTemplates as readonly string[]).includes(value);
}

/** 'fr', 'fr-CA', 'fr_FR', 'FR' → 'fr'; anything else, missing included, → 'en' (API.md: English by default). */
export function mailLocale(value: string | null | undefined): MailLocale {
  return value != null && /^fr(?![a-z])/i.test(value.trim()) ? 'fr' : 'en';
}

export function renderMail(input: MailInput): RenderedMail {
  const locale = mailLocale(input.locale);
  const ctx = context(locale, oneLine(input.product.name) || oneLine(input.product.code));
  const doc = documentFor(input.template, input.object, input.before, ctx);
  // One line whatever the product name holds: a subject is a header, and a line break there is a header injection.
  const subject = oneLine(doc.subject);
  return { subject, text: toText(doc, ctx.m), html: toHtml(doc, subject, locale) };
}
