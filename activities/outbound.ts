/**
 * The outbound channels (API.md v1.2): the worker's relay (worker/outbox-relay.ts), or the event's workflow
 * (workflows/outbox.ts) when the relay lost it, prepares the event's deliveries here; the e-mail
 * (activities/mail.ts) and the webhooks (activities/webhooks.ts) are then sent in parallel, their retries Temporal's. These activities
 * run on the outbound task queue, so slow receivers never take the cancellations' activity slots.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Transporter } from 'nodemailer';
import type { SecretBox } from '../outbound/webhooks/secret-box';
import type { AnnouncedEvent, Store } from './store';
import { newId } from '../db/ids';
import { markEventDispatched } from '../db/outbox';
import { isUniqueViolation } from '../db/sql';
import { enabledEndpoints } from '../db/webhooks';

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
  /**
   * The attempts already made at the notification and at each delivery, by id, where there were any (a relay's
   * first attempt before its worker died): the workflow goes on counting from there, so the schedule and the
   * number of attempts stay API.md's.
   */
  attemptsBefore?: Record<string, number>;
}

/** The outbound activities run on the outbound task queue only, whose worker has the channels configured. */
export function requireOutbound(deps: OutboundDeps | undefined): OutboundDeps {
  if (!deps) throw ApplicationFailure.nonRetryable('this worker has no outbound channels configured');
  return deps;
}

/**
 * Creates one delivery per enabled endpoint of the event's account subscribed to its type (once: a retry
 * finds them) and, with `markDispatched`, marks the event dispatched so that the worker's sweep leaves it alone.
 * Given the event as its transaction just wrote it (the relay), it reads neither the event nor its
 * notification back, and the deliveries it creates are the pending ones: three statements fewer per event.
 */
export function createOutboxPlanner({ db }: Store, deps: OutboundDeps | undefined) {
  return async function planOutboxEvent(
    ref: string | AnnouncedEvent,
    options: { markDispatched: boolean },
  ): Promise<OutboxPlan> {
    const outbound = requireOutbound(deps);
    const event =
      typeof ref === 'string'
        ? await db.outboxEvent.findUnique({ where: { id: ref } })
        : { ...ref, dispatchedAt: null };
    if (!event) return { notificationId: null, deliveryIds: [] };
    const endpoints = await enabledEndpoints(db, event.accountId);
    const created: string[] = [];
    let existed = false;
    for (const endpoint of endpoints) {
      if (!(JSON.parse(endpoint.events) as string[]).includes(event.type)) continue;
      // An earlier attempt of this activity created it already: the unique (eventId, endpointId) keeps one.
      const id = newId('whd');
      await db.webhookDelivery
        .create({
          data: { id, endpointId: endpoint.id, eventId: event.id, eventType: event.type },
          select: { id: true },
        })
        .then(
          () => created.push(id),
          (err: unknown) => {
            if (!isUniqueViolation(err)) throw err;
            existed = true;
          },
        );
    }
    if (options.markDispatched && !event.dispatchedAt) await markEventDispatched(db, event.id, outbound.now());
    // Fresh from its transaction: its notification is pending, and the deliveries just created are all there are.
    if (typeof ref !== 'string' && !existed)
      return { notificationId: outbound.mailer ? ref.notificationId : null, deliveryIds: created };
    const [deliveries, notification] = await Promise.all([
      db.webhookDelivery.findMany({
        where: { eventId: event.id, status: 'pending' },
        select: { id: true, attempts: true },
        orderBy: { id: 'asc' },
      }),
      event.notificationId
        ? db.notification.findUnique({
            where: { id: event.notificationId },
            select: { id: true, status: true, attempts: true },
          })
        : null,
    ]);
    const mail = outbound.mailer && notification?.status === 'pending' ? notification : null;
    const made = [...deliveries, ...(mail ? [mail] : [])].filter((row) => row.attempts > 0);
    return {
      notificationId: mail?.id ?? null,
      deliveryIds: deliveries.map((d) => d.id),
      ...(made.length ? { attemptsBefore: Object.fromEntries(made.map((row) => [row.id, row.attempts])) } : {}),
    };
  };
}

export function createOutboxActivities(store: Store, deps: OutboundDeps | undefined) {
  const plan = createOutboxPlanner(store, deps);
  return {
    /** The event's deliveries, and the event marked dispatched: from here on its workflow owns it. */
    async prepareOutboxEvent(input: { eventId: string }): Promise<OutboxPlan> {
      return plan(input.eventId, { markDispatched: true });
    },
  };
}
