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

export function createMailActivities({ db }: Store, outbound: OutboundDeps | undefined) {
  return {
    async sendNotificationMail(input: {
      notificationId: string;
      eventId: string;
    }): Promise<'sent' | 'failed' | 'skipped'> {
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
      const attempt = Context.current().info.attempt;
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
    },
  };
}
