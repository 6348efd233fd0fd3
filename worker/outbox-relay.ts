/**
 * The outbox relay (API.md v1.2). Once a step's transaction has committed, the worker makes the first attempt
 * at each of its events' channels itself, in this process: the e-mail and every webhook, in parallel, with the
 * same code as the activities (activities/mail.ts, activities/webhooks.ts). When they all succeed, which is
 * the usual case, the event costs Temporal nothing: no workflow start, no task, no history. A channel whose
 * first attempt failed is handed to the event's workflow (workflows/outbox.ts, with `retry`), which retries it
 * on the same schedule as ever, durably. The event is marked dispatched only once it is done or handed over,
 * so an event whose relay was lost (the worker died mid-way, or the queue was full) stays for the sweep
 * (worker/outbound.ts), which starts its whole workflow 30 s after the commit: at least once, as before.
 *
 * Bounded, so that a month end's deactivations keep the CPU and the database connections: a few events at a
 * time, and beyond a queue limit the events are left to the sweep.
 */
import type { AnnouncedEvent, OutboundDeps } from '../activities';
import { createMailSender } from '../activities/mail';
import { createOutboxPlanner } from '../activities/outbound';
import { createStore } from '../activities/store';
import { createWebhookSender } from '../activities/webhooks';
import type { Logger } from '../config/logger';
import type { Db } from '../db/client';
import { WebhookRetryDelaysMs } from '../domain/events';
import type { OutboxRetry } from '../workflows/outbox';

/** Events relayed at once by one worker process. */
export const RELAY_CONCURRENCY = 4;
/** Events waiting beyond this many are left to the sweep (a 30 s delay, and a workflow each). */
export const RELAY_QUEUE_LIMIT = 5_000;

export interface OutboxRelay {
  /** After a commit: the events' first attempts, queued; never waits, never throws. */
  offer: (events: AnnouncedEvent[]) => void;
  /** The event is queued or under way here: the sweep leaves it alone. */
  holds: (eventId: string) => boolean;
  /** Takes no more events (those queued are left to the sweep) and waits for those under way, up to `ms`. */
  drain: (ms: number) => Promise<void>;
}

export function createOutboxRelay(options: {
  db: Db;
  outbound: OutboundDeps;
  /** Starts the event's workflow for the channels that failed (worker/outbound.ts). */
  handOver: (eventId: string, retry: OutboxRetry) => Promise<void>;
  logger: Logger;
  concurrency?: number;
  queueLimit?: number;
}): OutboxRelay {
  const { db, outbound, handOver, logger } = options;
  const store = createStore({ db });
  const plan = createOutboxPlanner(store, outbound);
  const sendMail = createMailSender(store, outbound);
  const deliver = createWebhookSender(store, outbound);
  const concurrency = options.concurrency ?? RELAY_CONCURRENCY;
  const queueLimit = options.queueLimit ?? RELAY_QUEUE_LIMIT;
  const queued: AnnouncedEvent[] = [];
  const held = new Set<string>();
  let active = 0;
  let closed = false;
  let idle: (() => void) | null = null;

  async function relay(event: AnnouncedEvent): Promise<void> {
    const eventId = event.id;
    const { notificationId, deliveryIds } = await plan(event, { markDispatched: false });
    const retry: OutboxRetry = { mail: null, webhooks: [] };
    const mail = async (id: string) => {
      // A refusal is recorded on the notification by the attempt itself; the workflow tries again.
      await sendMail({ notificationId: id, eventId }, 1).catch(() => (retry.mail = { notificationId: id }));
    };
    await Promise.all([
      ...(notificationId ? [mail(notificationId)] : []),
      ...deliveryIds.map(async (deliveryId) => {
        const outcome = await deliver({ deliveryId }, 1).catch(() => ({ retryInMs: WebhookRetryDelaysMs[0] }));
        if (typeof outcome !== 'string') retry.webhooks.push({ deliveryId, retryInMs: outcome.retryInMs });
      }),
    ]);
    if (retry.mail || retry.webhooks.length) await handOver(eventId, retry);
    // `update`, not `updateMany`, which Prisma wraps in a transaction of its own: one statement.
    await db.outboxEvent.update({
      where: { id: eventId },
      data: { dispatchedAt: outbound.now() },
      select: { id: true },
    });
  }

  function pump(): void {
    while (active < concurrency && queued.length && !closed) {
      const event = queued.shift()!;
      const eventId = event.id;
      active += 1;
      relay(event)
        .catch((err: unknown) => logger.warn({ err, eventId }, 'outbox relay failed; the sweep will take the event up'))
        .finally(() => {
          active -= 1;
          held.delete(eventId);
          if (active === 0) idle?.();
          pump();
        });
    }
  }

  return {
    offer(events) {
      for (const event of events) {
        if (closed || held.has(event.id)) continue;
        if (queued.length >= queueLimit) {
          logger.warn(
            { eventId: event.id, queued: queued.length },
            'outbox relay full; the sweep will take the event up',
          );
          continue;
        }
        held.add(event.id);
        queued.push(event);
      }
      pump();
    },
    holds: (eventId) => held.has(eventId),
    async drain(ms) {
      closed = true;
      for (const event of queued.splice(0)) held.delete(event.id);
      if (active === 0) return;
      await new Promise<void>((resolve) => {
        idle = resolve;
        setTimeout(resolve, ms).unref();
      });
    },
  };
}
