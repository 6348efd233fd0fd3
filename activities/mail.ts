/**
 * E-mail notifications (API.md v1.2), at least once: the notification is marked `sent` after the SMTP
 * server accepted it, so a crash in between sends it again, with the same Message-ID (derived from the
 * notification's id) for the receiving side to recognise. A notification already `sent` is never sent again.
 */
import { Context } from '@temporalio/activity';
import type { CancellationView } from '../domain/cancellation';
import { isMailTemplate, mailLocale, renderMail, type RefusalObject, type RenderedMail } from '../outbound/mail/render';
import type { OutboundDeps } from './outbound';
import type { Store } from './store';

/** Attempts before a notification is `failed` (workflows/outbox.ts retries at 30 s, 1 min, 2 min … up to 1 h). */
export const MailMaxAttempts = 10;

/** `Name <user@example.com>` → `example.com`, for Message-IDs. */
export function mailDomain(from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  return address.split('@')[1]?.trim() || 'localhost';
}

export const messageIdOf = (notificationId: string, from: string) => `<${notificationId}@${mailDomain(from)}>`;

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 500);

export interface MailInput {
  notificationId: string;
  eventId: string;
  /** Attempts made before this workflow took the notification over (the worker's relay's first one). */
  attemptsBefore?: number;
}

export type MailOutcome = 'sent' | 'failed' | 'skipped';

/**
 * One attempt at a notification, the `attempt`-th in all. Throws when the SMTP server did not take it and
 * attempts remain (the caller retries); the last one marks it `failed`.
 */
export function createMailSender({ db }: Store, outbound: OutboundDeps | undefined) {
  return async function sendMail(input: MailInput, attempt: number): Promise<MailOutcome> {
    const mailer = outbound?.mailer;
    const notification = await db.notification.findUnique({ where: { id: input.notificationId } });
    if (!mailer || !notification || notification.status !== 'pending') return 'skipped';
    const event = await db.outboxEvent.findUnique({ where: { id: input.eventId }, select: { object: true } });
    const object = JSON.parse(event?.object ?? '{}') as CancellationView | RefusalObject;
    const subscription = await db.subscription.findUnique({
      where: { id: object.subscriptionId ?? '' },
      select: { productCode: true, productName: true },
    });
    // A mail that cannot be written (no such template, a broken row) never will be: `failed` at once.
    let mail: RenderedMail;
    try {
      if (!event || !subscription || !isMailTemplate(notification.template))
        throw new Error(`nothing to render template ${notification.template} from`);
      const payload = JSON.parse(notification.payload) as { before?: string };
      mail = renderMail({
        template: notification.template,
        locale: mailLocale(notification.locale),
        product: { code: subscription.productCode, name: subscription.productName },
        object,
        before: payload.before,
      });
    } catch (err) {
      await db.notification.update({
        where: { id: notification.id },
        data: { status: 'failed', lastError: `cannot render: ${errorText(err)}` },
      });
      return 'failed';
    }
    try {
      await mailer.sendMail({
        from: outbound.mailFrom,
        to: notification.recipient,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: messageIdOf(notification.id, outbound.mailFrom),
        headers: { 'X-Notification-Id': notification.id, 'X-Notification-Template': notification.template },
      });
    } catch (err) {
      const last = attempt >= MailMaxAttempts;
      await db.notification.update({
        where: { id: notification.id },
        data: { attempts: { increment: 1 }, lastError: errorText(err), ...(last ? { status: 'failed' } : {}) },
      });
      if (last) return 'failed';
      throw err;
    }
    await db.notification.update({
      where: { id: notification.id },
      data: {
        status: 'sent',
        sentAt: outbound.now(),
        attempts: { increment: 1 },
        lastError: null,
      },
    });
    return 'sent';
  };
}

export function createMailActivities(store: Store, outbound: OutboundDeps | undefined) {
  const sendMail = createMailSender(store, outbound);
  return {
    async sendNotificationMail(input: MailInput): Promise<MailOutcome> {
      return sendMail(input, Context.current().info.attempt + (input.attemptsBefore ?? 0));
    },
  };
}
