/**
 * The cancellation e-mails (API.md, "Notification templates"), rendered from the object a notification was queued
 * with. Pure: no I/O, no clock, no environment; the same input always gives the same mail, so the sending activity
 * can render again on a retry and get the very message it tried before.
 *
 * Each template first builds one small document (headings, paragraphs, lists, the charges table) from the
 * catalogue's wording (messages.ts); the plain text and the HTML are two renderings of that document, so both
 * parts of a mail always state the same facts.
 */
import type { CancellationView } from '../../domain/cancellation';
import type { Refusal } from '../../domain/errors';
import type { RoleRuleId } from '../../domain/roles';
import { ReasonCodes, Roles, type ChargeLine, type ReasonCode, type Role } from '../../domain/types';
import { catalogues, type MailMessages } from './messages';

export const MailTemplates = [
  'cancellation_scheduled',
  'cancellation_reminder',
  'cancellation_withdrawn',
  'cancellation_completed',
  'cancellation_refused',
] as const;
export type MailTemplate = (typeof MailTemplates)[number];

export const MailLocales = ['en', 'fr'] as const;
export type MailLocale = (typeof MailLocales)[number];

/** The object of a `cancellation_refused` notification (and of the `cancellation.refused` webhook event). */
export interface RefusalObject {
  subscriptionId: string;
  accountId: string;
  channel: 'online' | 'support';
  requestedBy: { userId: string; email: string };
  refusals: Refusal[];
  requestedAt: string;
}

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

// A locale without its catalogue fails to compile here.
const catalogue: Record<MailLocale, MailMessages> = catalogues;

export function isMailTemplate(value: string): value is MailTemplate {
  return (MailTemplates as readonly string[]).includes(value);
}

/** 'fr', 'fr-CA', 'fr_FR', 'FR' → 'fr'; anything else, missing included, → 'en' (API.md: English by default). */
export function mailLocale(value: string | null | undefined): MailLocale {
  return value != null && /^fr(?![a-z])/i.test(value.trim()) ? 'fr' : 'en';
}

/** Escapes text for HTML content and quoted attribute values alike. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function renderMail(input: MailInput): RenderedMail {
  const locale = mailLocale(input.locale);
  const ctx = context(locale, oneLine(input.product.name) || oneLine(input.product.code));
  const doc = documentFor(input, ctx);
  // One line whatever the product name holds: a subject is a header, and a line break there is a header injection.
  const subject = oneLine(doc.subject);
  return { subject, text: toText(doc, ctx.m), html: toHtml(doc, subject, locale) };
}

// ---------------------------------------------------------------------------------------------------------------
// The document both renderings come from.

/** A sentence, optionally opened by a short statement the HTML sets in bold. */
interface Sentence {
  lead?: string;
  text: string;
}

type Block =
  | { kind: 'heading'; text: string }
  | ({ kind: 'paragraph' } & Sentence)
  | ({ kind: 'notice' } & Sentence)
  | { kind: 'list'; intro?: string; items: Sentence[] }
  | {
      kind: 'charges';
      columns: { description: string; period: string; amount: string };
      rows: { description: string; period: string; amount: string }[];
      total: { label: string; amount: string };
    }
  | { kind: 'footer'; lines: string[] };

interface MailDocument {
  subject: string;
  title: string;
  blocks: Block[];
}

interface Context {
  m: MailMessages;
  product: string;
  /** "31 December 2026" */
  date: (iso: string) => string;
  /** "31 December 2026, 23:59 UTC" */
  dateTime: (iso: string) => string;
  period: (start: string, end: string) => string;
  money: (minorUnits: number, currency: string) => string;
  /** "a, b or c" */
  or: (items: string[]) => string;
}

function context(locale: MailLocale, product: string): Context {
  const m = catalogue[locale];
  const utc = { timeZone: 'UTC' } as const;
  const longDate = new Intl.DateTimeFormat(m.intl.dates, { ...utc, dateStyle: 'long' });
  const mediumDate = new Intl.DateTimeFormat(m.intl.dates, { ...utc, dateStyle: 'medium' });
  const time = new Intl.DateTimeFormat(m.intl.dates, { ...utc, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const orList = new Intl.ListFormat(m.intl.lists, { type: 'disjunction' });
  // A timestamp that does not parse is shown as it came rather than failing the whole mail.
  const withDate = (iso: string, format: (d: Date) => string): string => {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? oneLine(iso) : format(d);
  };
  return {
    m,
    product,
    date: (iso) => withDate(iso, (d) => longDate.format(d)),
    dateTime: (iso) => withDate(iso, (d) => `${longDate.format(d)}, ${time.format(d)} UTC`),
    period: (start, end) =>
      `${withDate(start, (d) => mediumDate.format(d))} – ${withDate(end, (d) => mediumDate.format(d))}`,
    money: (minorUnits, currency) => formatMoney(m, minorUnits, currency),
    or: (items) => orList.format(items),
  };
}

/**
 * Money travels in integer minor units (API.md); how many of them make a unit depends on the currency (JPY 0,
 * EUR 2, KWD 3), which Intl knows: its maximum fraction digits for the currency is that exponent.
 */
function formatMoney(m: MailMessages, minorUnits: number, currency: string): string {
  let format: Intl.NumberFormat;
  try {
    format = new Intl.NumberFormat(m.intl.numbers, { style: 'currency', currency });
  } catch {
    // Not a currency code Intl accepts: say the integer as it is rather than guess its exponent.
    return m.common.minorUnits(new Intl.NumberFormat(m.intl.numbers).format(minorUnits), oneLine(currency));
  }
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minorUnits / 10 ** digits);
}

/** Free text from customers or other systems, on one line: no control characters, no line breaks. */
function oneLine(value: string): string {
  return (
    value
      // Matching control characters is the point here: they are what must not reach a subject or a line.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
      .replace(/ {2,}/g, ' ')
      .trim()
  );
}

function documentFor(input: MailInput, ctx: Context): MailDocument {
  const { template, object } = input;
  switch (template) {
    case 'cancellation_refused':
      return refusedMail(asRefusalObject(template, object), ctx);
    case 'cancellation_scheduled':
      return scheduledMail(asCancellation(template, object), ctx);
    case 'cancellation_reminder':
      return reminderMail(asCancellation(template, object), input.before, ctx);
    case 'cancellation_withdrawn':
      return withdrawnMail(asCancellation(template, object), ctx);
    case 'cancellation_completed':
      return completedMail(asCancellation(template, object), ctx);
    default: {
      const unknown: never = template;
      throw new TypeError(`Unknown mail template: ${String(unknown)}`);
    }
  }
}

function isRefusalObject(object: CancellationView | RefusalObject): object is RefusalObject {
  return Array.isArray((object as Partial<RefusalObject>).refusals);
}

function asRefusalObject(template: MailTemplate, object: CancellationView | RefusalObject): RefusalObject {
  if (!isRefusalObject(object)) throw new TypeError(`${template} is rendered from a refusal object`);
  return object;
}

function asCancellation(template: MailTemplate, object: CancellationView | RefusalObject): CancellationView {
  if (isRefusalObject(object)) throw new TypeError(`${template} is rendered from a Cancellation`);
  return object;
}

// ---------------------------------------------------------------------------------------------------------------
// The templates.

function requestSentence(
  ctx: Context,
  who: { channel: 'online' | 'support'; requestedBy: { email: string }; requestedAt: string },
): Block {
  const email = oneLine(who.requestedBy.email);
  const at = ctx.dateTime(who.requestedAt);
  const text =
    who.channel === 'support' // P12: support submitted it for the customer who asked
      ? ctx.m.common.submittedBySupport(ctx.product, email, at)
      : ctx.m.common.requestedBy(ctx.product, email, at);
  return { kind: 'paragraph', text };
}

function reasonBlocks(c: CancellationView, ctx: Context): Block[] {
  if (c.reason === null) return [];
  const code: ReasonCode = (ReasonCodes as readonly string[]).includes(c.reason.code) ? c.reason.code : 'other';
  const blocks: Block[] = [{ kind: 'paragraph', text: ctx.m.common.reasonGiven(ctx.m.common.reasons[code]) }];
  const comment = oneLine(c.reason.comment ?? '');
  if (comment !== '') blocks.push({ kind: 'paragraph', text: ctx.m.common.comment(comment) });
  return blocks;
}

/** The checklist items still open (P4, P6, P7), in the order POLICY.md lists them. */
function openItems(c: CancellationView, ctx: Context): Sentence[] {
  const { checklist: m } = ctx.m;
  const items: Sentence[] = [];
  if (!c.checklist.balanceClear) items.push({ text: m.balanceOpen }); // P4
  if (!c.checklist.licensesUnassigned) items.push({ text: m.licencesOpen(ctx.product) }); // P6
  if (!c.checklist.dataBackedUp) items.push({ text: m.backupOpen }); // P7
  return items;
}

function doneItems(c: CancellationView, ctx: Context): Sentence[] {
  const { checklist: m } = ctx.m;
  const items: Sentence[] = [];
  if (c.checklist.balanceClear) items.push({ text: m.balanceDone });
  if (c.checklist.licensesUnassigned) items.push({ text: m.licencesDone });
  if (c.checklist.dataBackedUp) items.push({ text: m.backupDone(backupLocation(c)) });
  return items;
}

function backupLocation(c: CancellationView): string | null {
  const location = oneLine(c.checklist.dataBackupLocation ?? '');
  return location === '' ? null : location;
}

/** An effective date at or before acceptance means the cancellation takes effect at once (API.md). */
function takesEffectAtOnce(c: CancellationView): boolean {
  const effective = Date.parse(c.effectiveAt);
  const requested = Date.parse(c.requestedAt);
  return !Number.isNaN(effective) && !Number.isNaN(requested) && effective <= requested;
}

function withdrawBlocks(c: CancellationView, ctx: Context): Block[] {
  return [
    { kind: 'heading', text: ctx.m.common.withdrawHeading },
    { kind: 'paragraph', text: ctx.m.common.withdrawHow(c.id, ctx.dateTime(c.effectiveAt)) },
  ];
}

function cancellationFooter(c: CancellationView, ctx: Context): Block {
  return { kind: 'footer', lines: [ctx.m.common.cancellationReference(c.id), ctx.m.common.footer(ctx.product)] };
}

function chargeRow(line: ChargeLine, currency: string, ctx: Context) {
  return {
    description: oneLine(line.description),
    period: ctx.period(line.periodStart, line.periodEnd),
    amount: ctx.money(line.amountCents, currency),
  };
}

function scheduledMail(c: CancellationView, ctx: Context): MailDocument {
  const { m, product } = ctx;
  const effective = ctx.dateTime(c.effectiveAt);
  const atOnce = takesEffectAtOnce(c);
  const open = openItems(c, ctx);
  const done = doneItems(c, ctx);
  const { charges } = c;

  const blocks: Block[] = [
    requestSentence(ctx, c),
    ...reasonBlocks(c, ctx),
    { kind: 'paragraph', lead: m.scheduled.autoRenewOffLead, text: m.scheduled.autoRenewOff(product) }, // P1
    {
      kind: 'paragraph',
      text: atOnce ? m.scheduled.immediate(product, effective) : m.scheduled.accessUntil(product, effective), // P2
    },
    { kind: 'heading', text: m.scheduled.chargesHeading },
  ];
  // P13, P14: whole periods, never prorated.
  if (charges.lines.length > 0) {
    blocks.push(
      { kind: 'paragraph', text: m.scheduled.chargesIntro },
      {
        kind: 'charges',
        columns: m.scheduled.columns,
        rows: charges.lines.map((line) => chargeRow(line, charges.currency, ctx)),
        total: { label: m.scheduled.total, amount: ctx.money(charges.remainingCents, charges.currency) },
      },
    );
  } else {
    blocks.push({ kind: 'paragraph', text: m.scheduled.noCharges });
  }
  blocks.push(
    { kind: 'paragraph', lead: m.scheduled.noRefundLead, text: m.scheduled.noRefund }, // P15
    { kind: 'heading', text: m.checklist.heading },
    open.length > 0
      ? { kind: 'list', intro: m.checklist.open, items: open }
      : { kind: 'paragraph', text: m.checklist.allDone },
  );
  if (done.length > 0) blocks.push({ kind: 'list', intro: m.checklist.done, items: done });
  // Once it takes effect there is nothing left to withdraw (withdraw answers 409 from `deactivating` on).
  if (!atOnce) blocks.push(...withdrawBlocks(c, ctx));
  blocks.push(cancellationFooter(c, ctx));

  return { subject: m.scheduled.subject(product, ctx.date(c.effectiveAt)), title: m.scheduled.title(product), blocks };
}

/** '7d' → "in 7 days", '1d' → "tomorrow"; anything else → null, and the mail names the date instead. */
function beforeWords(before: string | undefined, ctx: Context): string | null {
  const match = /^(\d{1,3})d$/.exec(before?.trim() ?? '');
  if (match === null) return null;
  const days = Number(match[1]);
  if (days === 1) return ctx.m.reminder.tomorrow;
  return days > 1 ? ctx.m.reminder.inDays(days) : null;
}

function reminderMail(c: CancellationView, before: string | undefined, ctx: Context): MailDocument {
  const { m, product } = ctx;
  const when = beforeWords(before, ctx);
  const open = openItems(c, ctx);
  const blocks: Block[] = [
    { kind: 'paragraph', text: m.reminder.deactivation(product, when, ctx.dateTime(c.effectiveAt)) }, // P2, P3
    { kind: 'heading', text: m.reminder.openHeading },
  ];
  if (open.length > 0) {
    blocks.push(
      { kind: 'list', items: open },
      // The effective date does not wait for the checklist (API.md): licences go, unsaved data is at risk.
      { kind: 'notice', text: m.reminder.deactivatedAnyway(product) },
    );
  } else {
    blocks.push({ kind: 'paragraph', text: m.reminder.nothingOpen });
  }
  if (!takesEffectAtOnce(c)) blocks.push(...withdrawBlocks(c, ctx));
  blocks.push(cancellationFooter(c, ctx));
  return {
    subject: m.reminder.subject(product, when, ctx.date(c.effectiveAt)),
    title: m.reminder.title(product),
    blocks,
  };
}

function withdrawnMail(c: CancellationView, ctx: Context): MailDocument {
  const { m, product } = ctx;
  return {
    subject: m.withdrawn.subject(product),
    title: m.withdrawn.title(product),
    blocks: [
      { kind: 'paragraph', text: m.withdrawn.withdrawnAt(product, c.withdrawnAt ? ctx.dateTime(c.withdrawnAt) : null) },
      { kind: 'paragraph', lead: m.withdrawn.autoRenewOnLead, text: m.withdrawn.autoRenewOn(product) }, // P1 undone
      { kind: 'paragraph', text: m.withdrawn.nothingToDo },
      cancellationFooter(c, ctx),
    ],
  };
}

const backupUnconfirmed = 'data_backup_unconfirmed';

function completedMail(c: CancellationView, ctx: Context): MailDocument {
  const { m, product } = ctx;
  const blocks: Block[] = [
    { kind: 'paragraph', text: m.completed.deactivatedAt(product, ctx.dateTime(c.completedAt ?? c.effectiveAt)) }, // P3
    { kind: 'paragraph', text: m.completed.licencesReleased }, // P6, done by the deactivation if not before
  ];
  if (c.warnings.includes(backupUnconfirmed)) {
    // P7 was never confirmed: the one thing in this mail the customer may still have to act on.
    blocks.push({ kind: 'notice', lead: m.completed.backupUnconfirmedLead, text: m.completed.backupUnconfirmed });
  } else if (c.checklist.dataBackedUp) {
    blocks.push({ kind: 'paragraph', text: m.completed.backupConfirmed(backupLocation(c)) });
  }
  blocks.push({ kind: 'paragraph', text: m.completed.discover(product) }, cancellationFooter(c, ctx)); // P3, P16
  return { subject: m.completed.subject(product), title: m.completed.title(product), blocks };
}

function refusedMail(r: RefusalObject, ctx: Context): MailDocument {
  const { m, product } = ctx;
  return {
    subject: m.refused.subject(product),
    title: m.refused.title(product),
    blocks: [
      requestSentence(ctx, r),
      { kind: 'paragraph', text: m.refused.notAccepted },
      { kind: 'heading', text: m.refused.heading },
      { kind: 'list', items: r.refusals.map((refusal) => explainRefusal(refusal, ctx)) },
      { kind: 'footer', lines: [m.common.subscriptionReference(r.subscriptionId), m.common.footer(product)] },
    ],
  };
}

const roleRuleIds: readonly RoleRuleId[] = ['P8', 'P9', 'P10'];

/** What went wrong and what to do about it, for each refusal code of P11. */
function explainRefusal(refusal: Refusal, ctx: Context): Sentence {
  const { refused: m } = ctx.m;
  const details = refusal.details ?? {};
  switch (refusal.code) {
    case 'role_not_permitted': {
      // P8–P10: the rule and roles the decision named; without them, the whole matrix.
      const rule = roleRuleIds.find((id) => id === details.rule);
      const roles = Array.isArray(details.requiredRoles)
        ? details.requiredRoles.filter((role): role is Role => (Roles as readonly unknown[]).includes(role))
        : [];
      if (rule === undefined || roles.length === 0) return { lead: m.roleLead, text: m.roleUnknownRule };
      return { lead: m.roleLead, text: m.roleRule(m.ruleScope[rule], ctx.or(roles.map((role) => m.roles[role]))) };
    }
    case 'outstanding_balance': {
      // P4. The refusal carries the balance in minor units but no currency: without one the amount cannot be
      // said honestly (is 1200 twelve euros or twelve hundred yen?), so it is left out unless a currency is given.
      const { balanceCents, currency } = details;
      const amount =
        typeof balanceCents === 'number' &&
        Number.isInteger(balanceCents) &&
        balanceCents > 0 &&
        typeof currency === 'string' &&
        /^[A-Z]{3}$/.test(currency)
          ? ctx.money(balanceCents, currency)
          : null;
      return { lead: m.balanceLead(amount), text: m.balance };
    }
    case 'not_cancellable_online': // P11, P12: support can do it
      return { lead: m.notOnlineLead(ctx.product), text: m.notOnline };
    case 'already_cancelled':
      return { lead: m.alreadyCancelledLead, text: m.alreadyCancelled };
    default:
      // A code newer than this renderer: its own message is still better than nothing.
      return { lead: m.otherLead, text: oneLine(String((refusal as { message?: unknown }).message ?? '')) };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Plain text.

const textWidth = 72;

/** Word-wraps on ordinary spaces only: no-break spaces (French punctuation, amounts) keep their words together. */
function wrap(text: string, firstPrefix = '', restPrefix = firstPrefix): string[] {
  const lines: string[] = [];
  let line = firstPrefix;
  let empty = true;
  for (const word of text.split(' ')) {
    if (word === '') continue;
    if (!empty && line.length + 1 + word.length > textWidth) {
      lines.push(line);
      line = restPrefix + word;
    } else {
      line = empty ? line + word : `${line} ${word}`;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}

function sentenceText(s: Sentence): string {
  return s.lead === undefined ? s.text : `${s.lead} ${s.text}`;
}

function blockText(block: Block, m: MailMessages): string[] {
  switch (block.kind) {
    case 'heading':
      return [block.text, '-'.repeat(Math.min(block.text.length, textWidth))];
    case 'paragraph':
      return wrap(sentenceText(block));
    case 'notice':
      return wrap(sentenceText(block), '! ', '  ');
    case 'list':
      return [
        ...(block.intro === undefined ? [] : wrap(block.intro)),
        ...block.items.flatMap((item) => wrap(sentenceText(item), '- ', '  ')),
      ];
    case 'charges':
      return [
        ...block.rows.flatMap((row) =>
          wrap(m.common.labelled(`${row.description} (${row.period})`, row.amount), '- ', '  '),
        ),
        ...wrap(m.common.labelled(block.total.label, block.total.amount)),
      ];
    case 'footer':
      return ['--', ...block.lines.flatMap((line) => wrap(line))];
  }
}

function toText(doc: MailDocument, m: MailMessages): string {
  const title = wrap(doc.title);
  const underline = '='.repeat(Math.min(Math.max(...title.map((line) => line.length)), textWidth));
  return [[...title, underline], ...doc.blocks.map((block) => blockText(block, m))]
    .map((lines) => lines.join('\n'))
    .join('\n\n')
    .concat('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// HTML: one small self-contained document, inline styles only (mail clients drop <style> and external resources).

const styles = {
  body: 'margin:0;padding:24px;background-color:#f4f5f7;font-family:Arial,Helvetica,sans-serif;color:#1f2933;',
  container: 'max-width:600px;margin:0 auto;padding:24px;background-color:#ffffff;border-radius:6px;line-height:1.5;',
  h1: 'margin:0 0 16px;font-size:20px;line-height:1.3;',
  h2: 'margin:24px 0 8px;font-size:16px;line-height:1.3;',
  p: 'margin:0 0 12px;font-size:14px;',
  notice: 'margin:0 0 12px;padding:12px;font-size:14px;background-color:#fff4e5;border-left:4px solid #d9822b;',
  ul: 'margin:0 0 12px;padding-left:20px;font-size:14px;',
  li: 'margin:0 0 6px;',
  table: 'width:100%;margin:0 0 12px;border-collapse:collapse;font-size:14px;',
  th: 'padding:6px 8px;text-align:left;border-bottom:2px solid #cbd2d9;',
  thAmount: 'padding:6px 8px;text-align:right;border-bottom:2px solid #cbd2d9;',
  td: 'padding:6px 8px;text-align:left;border-bottom:1px solid #e4e7eb;vertical-align:top;',
  tdAmount: 'padding:6px 8px;text-align:right;border-bottom:1px solid #e4e7eb;vertical-align:top;white-space:nowrap;',
  total: 'padding:8px;text-align:left;font-weight:bold;',
  totalAmount: 'padding:8px;text-align:right;font-weight:bold;white-space:nowrap;',
  footer: 'margin:24px 0 0;padding-top:12px;border-top:1px solid #e4e7eb;font-size:12px;color:#616e7c;',
} as const;

function sentenceHtml(s: Sentence): string {
  return s.lead === undefined ? escapeHtml(s.text) : `<strong>${escapeHtml(s.lead)}</strong> ${escapeHtml(s.text)}`;
}

function blockHtml(block: Block): string {
  switch (block.kind) {
    case 'heading':
      return `<h2 style="${styles.h2}">${escapeHtml(block.text)}</h2>`;
    case 'paragraph':
      return `<p style="${styles.p}">${sentenceHtml(block)}</p>`;
    case 'notice':
      return `<p style="${styles.notice}">${sentenceHtml(block)}</p>`;
    case 'list': {
      const intro = block.intro === undefined ? '' : `<p style="${styles.p}">${escapeHtml(block.intro)}</p>\n`;
      const items = block.items.map((item) => `<li style="${styles.li}">${sentenceHtml(item)}</li>`).join('\n');
      return `${intro}<ul style="${styles.ul}">\n${items}\n</ul>`;
    }
    case 'charges': {
      const { columns, rows, total } = block;
      const body = rows
        .map(
          (row) =>
            `<tr><td style="${styles.td}">${escapeHtml(row.description)}</td>` +
            `<td style="${styles.td}">${escapeHtml(row.period)}</td>` +
            `<td style="${styles.tdAmount}">${escapeHtml(row.amount)}</td></tr>`,
        )
        .join('\n');
      return [
        `<table style="${styles.table}">`,
        `<thead><tr><th style="${styles.th}">${escapeHtml(columns.description)}</th>` +
          `<th style="${styles.th}">${escapeHtml(columns.period)}</th>` +
          `<th style="${styles.thAmount}">${escapeHtml(columns.amount)}</th></tr></thead>`,
        `<tbody>\n${body}\n</tbody>`,
        `<tfoot><tr><td style="${styles.total}" colspan="2">${escapeHtml(total.label)}</td>` +
          `<td style="${styles.totalAmount}">${escapeHtml(total.amount)}</td></tr></tfoot>`,
        '</table>',
      ].join('\n');
    }
    case 'footer':
      return `<p style="${styles.footer}">${block.lines.map(escapeHtml).join('<br>\n')}</p>`;
  }
}

function toHtml(doc: MailDocument, subject: string, locale: MailLocale): string {
  return [
    '<!doctype html>',
    `<html lang="${locale}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(subject)}</title>`,
    '</head>',
    `<body style="${styles.body}">`,
    `<div style="${styles.container}">`,
    `<h1 style="${styles.h1}">${escapeHtml(doc.title)}</h1>`,
    ...doc.blocks.map(blockHtml),
    '</div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
