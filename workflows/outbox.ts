/**
 * The workflow of an outbox event (API.md v1.2) that needs Temporal, on the outbound task queue: with `retry`,
 * the channels whose first attempt (the relay's) failed; without, the whole event (the sweep's repair): it creates
 * the event's deliveries, then sends its e-mail and each of its webhooks in parallel. Every channel is an activity
 * with its own retries, so a dead receiver holds up only its own delivery, never the other endpoints, the
 * e-mail or the cancellations (which run on their own task queue and never wait for this workflow).
 *
 * Most events never get here: the worker's relay (worker/outbox-relay.ts) makes every channel's first attempt
 * in-process and starts this workflow only for the channels that failed (`retry`), or, through the sweep, for an
 * event it never finished (the worker died, or its queue was full): then the workflow does everything.
 *
 * Cost, in Temporal actions, of one event: none when every first attempt succeeds. Handed over with `retry`:
 * the start, a timer and an activity per failed channel, plus one per further retry. From the sweep: the start,
 * one activity to prepare, one per channel (plus one per retry of a failing channel).
 */
import { ActivityFailure, proxyActivities, sleep, type ActivityOptions, type RetryPolicy } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { WebhookMaxAttempts } from '../domain/events';

const prepare = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
}).prepareOutboxEvent;

/** 10 attempts: 30 s, 1, 2, 4, 8, 16, 32 min, then hourly (activities/mail.ts marks the last one `failed`). */
const MailRetry: RetryPolicy = {
  initialInterval: '30s',
  backoffCoefficient: 2,
  maximumInterval: '1h',
  maximumAttempts: 10,
};
const sendMail = proxyActivities<Activities>({ startToCloseTimeout: '1m', retry: MailRetry }).sendNotificationMail;
/** After the relay's first attempt and the 30 s this workflow waits: the same schedule from its second delay. */
const sendMailAgain = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { ...MailRetry, initialInterval: '1m' },
}).sendNotificationMail;

/** One attempt is bounded by the 10 s request timeout; each failure sets its own next delay (API.md). */
const webhookOptions: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumAttempts: WebhookMaxAttempts },
};
const { deliverWebhook } = proxyActivities<Activities>(webhookOptions);

/** A channel that ran out of attempts has recorded why in its row; the workflow itself ends normally. */
async function settled(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
  }
}

/**
 * What the worker's relay (worker/outbox-relay.ts) hands over when a first attempt failed: the channels to try
 * again, each after the delay its schedule sets. The channels that succeeded are not in it.
 */
export interface OutboxRetry {
  mail: { notificationId: string; retryInMs: number } | null;
  webhooks: { deliveryId: string; retryInMs: number }[];
}

export async function outboxEventWorkflow(input: { eventId: string; retry?: OutboxRetry }): Promise<void> {
  // A new input, not a new path for running workflows: those started without `retry` replay the path below.
  if (input.retry) return retryFailedChannels(input.eventId, input.retry);
  const plan = await prepare({ eventId: input.eventId });
  // Attempts a relay made before it was lost count (activity inputs are not part of what a replay compares).
  const before = (id: string) => (plan.attemptsBefore?.[id] ? { attemptsBefore: plan.attemptsBefore[id] } : {});
  const { notificationId } = plan;
  await Promise.all([
    ...(notificationId
      ? [settled(sendMail({ notificationId, eventId: input.eventId, ...before(notificationId) }))]
      : []),
    ...plan.deliveryIds.map((deliveryId) => settled(deliverWebhook({ deliveryId, ...before(deliveryId) }))),
  ]);
}

/** The channels whose first attempt (the relay's) failed, each from its second attempt on. */
async function retryFailedChannels(eventId: string, retry: OutboxRetry): Promise<void> {
  const after = async (ms: number, attempt: () => Promise<unknown>) => {
    await sleep(ms);
    await settled(attempt());
  };
  const { mail } = retry;
  await Promise.all([
    ...(mail
      ? [
          after(mail.retryInMs, () =>
            sendMailAgain({ notificationId: mail.notificationId, eventId, attemptsBefore: 1 }),
          ),
        ]
      : []),
    ...retry.webhooks.map((w) =>
      after(w.retryInMs, () => deliverWebhook({ deliveryId: w.deliveryId, attemptsBefore: 1 })),
    ),
  ]);
}

/** `POST /v1/webhook-deliveries/{id}/retry`: the delivery again, on a fresh schedule. */
export async function webhookRedeliveryWorkflow(input: { deliveryId: string }): Promise<void> {
  await settled(deliverWebhook({ deliveryId: input.deliveryId }));
}
