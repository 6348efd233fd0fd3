/**
 * One document builder per template (API.md, "Notification templates"). The wording is the catalogue's
 * (messages.ts); what each mail says, and when, is decided here, rule by rule.
 */
import type { CancellationView } from '../../domain/cancellation';
import type { Refusal } from '../../domain/errors';
import {
  ReasonCodes,
  type CancellationChannel,
  type ChargeLine,
  type Charges,
  type ReasonCode,
} from '../../domain/types';
import { heading, list, notice, paragraph, type Block, type MailDocument, type Sentence } from './document';
import { oneLine, type Context } from './format';
import { explainRefusal } from './refusals';

export const MailTemplates = [
  'cancellation_scheduled',
  'cancellation_reminder',
  'cancellation_withdrawn',
  'cancellation_completed',
  'cancellation_refused',
] as const;
export type MailTemplate = (typeof MailTemplates)[number];

/** The object of a `cancellation_refused` notification (and of the `cancellation.refused` webhook event). */
export interface RefusalObject {
  subscriptionId: string;
  accountId: string;
  channel: CancellationChannel;
  requestedBy: { userId: string; email: string };
  refusals: Refusal[];
  requestedAt: string;
}

/** `before`: cancellation_reminder only, how long before the effective date ('7d' or '1d'). */
export function documentFor(
  template: MailTemplate,
  object: CancellationView | RefusalObject,
  before: string | undefined,
  ctx: Context,
): MailDocument {
  switch (template) {
    case 'cancellation_refused':
      return refusedMail(asRefusalObject(template, object), ctx);
    case 'cancellation_scheduled':
      return scheduledMail(asCancellation(template, object), ctx);
    case 'cancellation_reminder':
      return reminderMail(asCancellation(template, object), before, ctx);
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
// Parts several templates share.

function requestSentence(who: Pick<RefusalObject, 'channel' | 'requestedBy' | 'requestedAt'>, ctx: Context): Block {
  const email = oneLine(who.requestedBy.email);
  const at = ctx.dateTime(who.requestedAt);
  return paragraph(
    who.channel === 'support' // P12: support submitted it for the customer who asked
      ? ctx.m.common.submittedBySupport(ctx.product, email, at)
      : ctx.m.common.requestedBy(ctx.product, email, at),
  );
}

/** The checklist (P4, P6, P7) in the order POLICY.md lists it: the items still open, and those done. */
function checklist(c: CancellationView, ctx: Context): { open: Sentence[]; done: Sentence[] } {
  const { checklist: m } = ctx.m;
  const items: [isDone: boolean, open: string, done: string][] = [
    [c.checklist.balanceClear, m.balanceOpen, m.balanceDone], // P4
    [c.checklist.licensesUnassigned, m.licencesOpen(ctx.product), m.licencesDone], // P6
    [c.checklist.dataBackedUp, m.backupOpen, m.backupDone(backupLocation(c))], // P7
  ];
  return {
    open: items.filter(([isDone]) => !isDone).map(([, text]) => ({ text })),
    done: items.filter(([isDone]) => isDone).map(([, , text]) => ({ text })),
  };
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

/** How to withdraw, until it takes effect: from then on there is nothing left to withdraw (409 from `deactivating`). */
function withdrawBlocks(c: CancellationView, ctx: Context): Block[] {
  if (takesEffectAtOnce(c)) return [];
  return [
    heading(ctx.m.common.withdrawHeading),
    paragraph(ctx.m.common.withdrawHow(c.id, ctx.dateTime(c.effectiveAt))),
  ];
}

function footer(reference: string, ctx: Context): Block {
  return { kind: 'footer', lines: [reference, ctx.m.common.footer(ctx.product)] };
}

function cancellationFooter(c: CancellationView, ctx: Context): Block {
  return footer(ctx.m.common.cancellationReference(c.id), ctx);
}

// ---------------------------------------------------------------------------------------------------------------
// The templates.

function scheduledMail(c: CancellationView, ctx: Context): MailDocument {
  const { m, product } = ctx;
  const access = takesEffectAtOnce(c) ? m.scheduled.immediate : m.scheduled.accessUntil;
  const { open, done } = checklist(c, ctx);
  return {
    subject: m.scheduled.subject(product, ctx.date(c.effectiveAt)),
    title: m.scheduled.title(product),
    blocks: [
      requestSentence(c, ctx),
      ...reasonBlocks(c, ctx),
      paragraph({ lead: m.scheduled.autoRenewOffLead, text: m.scheduled.autoRenewOff(product) }), // P1
      paragraph(access(product, ctx.dateTime(c.effectiveAt))), // P2
      heading(m.scheduled.chargesHeading),
      ...chargesBlocks(c.charges, ctx),
      paragraph({ lead: m.scheduled.noRefundLead, text: m.scheduled.noRefund }), // P15
      heading(m.checklist.heading),
      open.length > 0 ? list(open, m.checklist.open) : paragraph(m.checklist.allDone),
      ...(done.length > 0 ? [list(done, m.checklist.done)] : []),
      ...withdrawBlocks(c, ctx),
      cancellationFooter(c, ctx),
    ],
  };
}

function reasonBlocks(c: CancellationView, ctx: Context): Block[] {
  if (c.reason === null) return [];
  const code: ReasonCode = (ReasonCodes as readonly string[]).includes(c.reason.code) ? c.reason.code : 'other';
  const comment = oneLine(c.reason.comment ?? '');
  return [
    paragraph(ctx.m.common.reasonGiven(ctx.m.common.reasons[code])),
    ...(comment === '' ? [] : [paragraph(ctx.m.common.comment(comment))]),
  ];
}

/** P13, P14: the charges still to bill, whole periods, never prorated. */
function chargesBlocks({ currency, lines, remainingCents }: Charges, ctx: Context): Block[] {
  const { scheduled: m } = ctx.m;
  if (lines.length === 0) return [paragraph(m.noCharges)];
  const row = (line: ChargeLine) => ({
    description: oneLine(line.description),
    period: ctx.period(line.periodStart, line.periodEnd),
    amount: ctx.money(line.amountCents, currency),
  });
  return [
    paragraph(m.chargesIntro),
    {
      kind: 'charges',
      columns: m.columns,
      rows: lines.map(row),
      total: { label: m.total, amount: ctx.money(remainingCents, currency) },
    },
  ];
}

function reminderMail(c: CancellationView, before: string | undefined, ctx: Context): MailDocument {
  const { m, product } = ctx;
  const when = beforeWords(before, ctx);
  const { open } = checklist(c, ctx);
  const blocks: Block[] = [
    paragraph(m.reminder.deactivation(product, when, ctx.dateTime(c.effectiveAt))), // P2, P3
    heading(m.reminder.openHeading),
  ];
  if (open.length > 0) {
    // The effective date does not wait for the checklist (API.md): licences go, unsaved data is at risk.
    blocks.push(list(open), notice(m.reminder.deactivatedAnyway(product)));
  } else {
    blocks.push(paragraph(m.reminder.nothingOpen));
  }
  blocks.push(...withdrawBlocks(c, ctx), cancellationFooter(c, ctx));
  return {
    subject: m.reminder.subject(product, when, ctx.date(c.effectiveAt)),
    title: m.reminder.title(product),
    blocks,
  };
}

/** '7d' → "in 7 days", '1d' → "tomorrow"; anything else → null, and the mail names the date instead. */
function beforeWords(before: string | undefined, ctx: Context): string | null {
  const match = /^(\d{1,3})d$/.exec(before?.trim() ?? '');
  if (match === null) return null;
  const days = Number(match[1]);
  if (days === 1) return ctx.m.reminder.tomorrow;
  return days > 1 ? ctx.m.reminder.inDays(days) : null;
}

function withdrawnMail(c: CancellationView, ctx: Context): MailDocument {
  const { m, product } = ctx;
  return {
    subject: m.withdrawn.subject(product),
    title: m.withdrawn.title(product),
    blocks: [
      paragraph(m.withdrawn.withdrawnAt(product, c.withdrawnAt ? ctx.dateTime(c.withdrawnAt) : null)),
      paragraph({ lead: m.withdrawn.autoRenewOnLead, text: m.withdrawn.autoRenewOn(product) }), // P1 undone
      paragraph(m.withdrawn.nothingToDo),
      cancellationFooter(c, ctx),
    ],
  };
}

function completedMail(c: CancellationView, ctx: Context): MailDocument {
  const { m, product } = ctx;
  const blocks: Block[] = [
    paragraph(m.completed.deactivatedAt(product, ctx.dateTime(c.completedAt ?? c.effectiveAt))), // P3
    paragraph(m.completed.licencesReleased), // P6, done by the deactivation if not before
  ];
  if (c.warnings.includes('data_backup_unconfirmed')) {
    // P7 was never confirmed: the one thing in this mail the customer may still have to act on.
    blocks.push(notice({ lead: m.completed.backupUnconfirmedLead, text: m.completed.backupUnconfirmed }));
  } else if (c.checklist.dataBackedUp) {
    blocks.push(paragraph(m.completed.backupConfirmed(backupLocation(c))));
  }
  blocks.push(paragraph(m.completed.discover(product)), cancellationFooter(c, ctx)); // P3, P16
  return { subject: m.completed.subject(product), title: m.completed.title(product), blocks };
}

function refusedMail(r: RefusalObject, ctx: Context): MailDocument {
  const { m, product } = ctx;
  return {
    subject: m.refused.subject(product),
    title: m.refused.title(product),
    blocks: [
      requestSentence(r, ctx),
      paragraph(m.refused.notAccepted),
      heading(m.refused.heading),
      list(r.refusals.map((refusal) => explainRefusal(refusal, ctx))),
      footer(m.common.subscriptionReference(r.subscriptionId), ctx),
    ],
  };
}
