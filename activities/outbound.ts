/**
 * The outbound channels (API.md v1.2): one workflow per outbox event (workflows/outbox.ts) prepares the
 * event's deliveries here, then sends its e-mail (activities/mail.ts) and its webhooks
 * (activities/webhooks.ts) in parallel, each retried by Temporal on its own schedule. These activities
 * run on the outbound task queue, so slow receivers never take the cancellations' activity slots.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Transporter } from 'nodemailer';
import type { SecretBox } from '../outbound/webhooks/secret-box';
import type { Store } from './store';
import { newId } from '../db/ids';

export interface OutboundDeps {
  /** Sends the e-mails; null when SMTP_URL is unset (the notifications stay `pending`). */
  mailer: Transporter | null;
  /** The From header; its domain names the Message-IDs. */
  mailFrom: string;
  /** Seals and opens the endpoints' signing secrets (WEBHOOK_SECRET_KEY). */
  secretBox: SecretBox;
  /** WEBHOOK_ALLOW_PRIVATE: http:// and private addresses allowed (development and tests only). */
  allowPrivate: boolean;
  /** The wall clock: attempt and dispatch times, the signature's timestamp. */
  now: () => Date;
}

export interface OutboxPlan {
  /** The event's notification, to be sent by e-mail; null when it has none, it went already, or mail is off. */
  notificationId: string | null;
  /** The deliveries still to make, one per subscribed endpoint. */
  deliveryIds: string[];
}

/** The outbound activities run on the outbound task queue only, whose worker has the channels configured. */
export function requireOutbound(deps: OutboundDeps | undefined): OutboundDeps {
  if (!deps) throw ApplicationFailure.nonRetryable('this worker has no outbound channels configured');
  return deps;
}

export function createOutboxActivities({ db }: Store, deps: OutboundDeps | undefined) {
  return {
    /**
     * Creates one delivery per enabled endpoint of the event's account subscribed to its type (once: a retry
     * finds them) and marks the event dispatched, so the worker's sweep leaves it alone.
     */
    async prepareOutboxEvent(input: { eventId: string }): Promise<OutboxPlan> {
      const outbound = requireOutbound(deps);
      const event = await db.outboxEvent.findUnique({ where: { id: input.eventId } });
      if (!event) return { notificationId: null, deliveryIds: [] };
      const endpoints = await db.webhookEndpoint.findMany({
        where: { accountId: event.accountId, status: 'enabled' },
        select: { id: true, events: true },
      });
      for (const endpoint of endpoints) {
        if (!(JSON.parse(endpoint.events) as string[]).includes(event.type)) continue;
        // An earlier attempt of this activity created it already: the unique (eventId, endpointId) keeps one.
        await db.webhookDelivery
          .create({
            data: { id: newId('whd'), endpointId: endpoint.id, eventId: event.id, eventType: event.type },
          })
          .catch((err: { code?: string }) => {
            if (err.code !== 'P2002') throw err;
          });
      }
      if (!event.dispatchedAt)
        await db.outboxEvent.update({ where: { id: event.id }, data: { dispatchedAt: outbound.now() } });
      const [deliveries, notification] = await Promise.all([
        db.webhookDelivery.findMany({
          where: { eventId: event.id, status: 'pending' },
          select: { id: true },
          orderBy: { id: 'asc' },
        }),
        event.notificationId
          ? db.notification.findUnique({ where: { id: event.notificationId }, select: { id: true, status: true } })
          : null,
      ]);
      const mail = outbound.mailer && notification?.status === 'pending' ? notification.id : null;
      return { notificationId: mail, deliveryIds: deliveries.map((d) => d.id) };
    },
  };
}
