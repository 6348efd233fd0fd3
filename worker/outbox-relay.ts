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
 * time; an event that would start late (more than 10 s after its commit) or find the queue full is left to the
 * sweep. A relayed event is thus done (webhooks time out at 10 s, e-mails here at 15 s) before any worker's
 * sweep, 30 s after the commit, could take it up as well.
 */
import type { AnnouncedEvent, OutboundDeps } from '../activities';
import { createMailSender } from '../activities/mail';
import { createOutboxPlanner } from '../activities/outbound';
import { createStore } from '../activities/store';
import { createWebhookSender } from '../activities/webhooks';
import type { Logger } from '../config/logger';
import type { Db } from '../db/client';
import { markEventDispatched } from '../db/outbox';
import { MailFirstRetryMs, WebhookRetryDelaysMs } from '../domain/events';
import type { OutboxRetry } from '../workflows/outbox';

/** Events relayed at once by one worker process. */
export const RELAY_CONCURRENCY = 4;
/** Events waiting beyond this many are left to the sweep (a 30 s delay, and a workflow each). */
export const RELAY_QUEUE_LIMIT = 5_000;
/**
 * An event that waited longer than this in the queue is left to the sweep too: started by then, the relay
 * could still be at it when a sweep, 30 s after the commit, gives the event its workflow (on any worker).
 */
export const RELAY_MAX_WAIT_MS = 10_000;
/** An SMTP server that has not taken the e-mail by then is given up on for this attempt (the workflow retries). */
export const MAIL_ATTEMPT_MS = 15_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

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
  const queued: { event: AnnouncedEvent; offeredAt: number }[] = [];
  let late = 0;
  const held = new Set<string>();
  let active = 0;
  let closed = false;
  let idle: (() => void) | null = null;

  async function relay(event: AnnouncedEvent): Promise<void> {
    const eventId = event.id;
    const { notificationId, deliveryIds } = await plan(event, { markDispatched: false });
    // The channels whose first attempt failed, each with its schedule's next delay and when it failed.
    const failed: { mail?: string; webhooks: string[]; delayMs: Map<string, number>; at: Map<string, number> } = {
      webhooks: [],
      delayMs: new Map(),
      at: new Map(),
    };
    const sendFirst = async (id: string) => {
      // A refusal is recorded on the notification by the attempt; a server that does not answer is given up on
      // here (an activity's timeout would do the same) and the workflow tries again, with the same Message-ID.
      await withTimeout(sendMail({ notificationId: id, eventId }, 1), MAIL_ATTEMPT_MS).catch(() => {
        failed.mail = id;
        failed.delayMs.set(id, MailFirstRetryMs);
        failed.at.set(id, Date.now());
      });
    };
    const deliverFirst = async (deliveryId: string) => {
      const outcome = await deliver({ deliveryId }, 1).catch(() => ({ retryInMs: WebhookRetryDelaysMs[0] }));
      if (typeof outcome === 'string') return;
      failed.webhooks.push(deliveryId);
      failed.delayMs.set(deliveryId, outcome.retryInMs);
      failed.at.set(deliveryId, Date.now());
    };
    await Promise.all([...(notificationId ? [sendFirst(notificationId)] : []), ...deliveryIds.map(deliverFirst)]);
    // Each retry is due its delay after its own attempt, however long the event's other channels took.
    const dueIn = (id: string) => Math.max(0, failed.delayMs.get(id)! - (Date.now() - failed.at.get(id)!));
    if (failed.mail || failed.webhooks.length) {
      const retry: OutboxRetry = {
        mail: failed.mail ? { notificationId: failed.mail, retryInMs: dueIn(failed.mail) } : null,
        webhooks: failed.webhooks.map((deliveryId) => ({ deliveryId, retryInMs: dueIn(deliveryId) })),
      };
      await handOver(eventId, retry);
    }
    await markEventDispatched(db, eventId, outbound.now());
  }

  function pump(): void {
    while (active < concurrency && queued.length && !closed) {
      const { event, offeredAt } = queued.shift()!;
      const eventId = event.id;
      if (Date.now() - offeredAt > RELAY_MAX_WAIT_MS) {
        // Too late to finish before the sweeps (of every worker) take it up: theirs alone, never both.
        held.delete(eventId);
        late += 1;
        continue;
      }
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
    if (late) {
      logger.warn(
        { events: late },
        'outbox relay behind: events left to the sweep (a workflow each, 30 s after their commit)',
      );
      late = 0;
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
        queued.push({ event, offeredAt: Date.now() });
      }
      pump();
    },
    holds: (eventId) => held.has(eventId),
    async drain(ms) {
      closed = true;
      for (const { event } of queued.splice(0)) held.delete(event.id);
      if (active === 0) return;
      await new Promise<void>((resolve) => {
        idle = resolve;
        setTimeout(resolve, ms).unref();
      });
    },
  };
}
