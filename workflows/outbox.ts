/**
 * One workflow per outbox event (API.md v1.2), on the outbound task queue: it creates the event's
 * deliveries, then sends its e-mail and each of its webhooks in parallel. Every channel is an activity
 * with its own retries, so a dead receiver holds up only its own delivery, never the other endpoints, the
 * e-mail or the cancellations (which run on their own task queue and never wait for this workflow).
 *
 * Cost, in Temporal actions, of one event: the start, one activity to prepare, one per channel (plus one per
 * retry of a failing channel). An event with an e-mail and one endpoint that answers at once: 4.
 */
import { ActivityFailure, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { WebhookMaxAttempts } from '../domain/events';

const prepare = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
}).prepareOutboxEvent;

/** 10 attempts: 30 s, 1, 2, 4, 8, 16, 32 min, then hourly (activities/mail.ts marks the last one `failed`). */
const sendMail = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '30s', backoffCoefficient: 2, maximumInterval: '1h', maximumAttempts: 10 },
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

export async function outboxEventWorkflow(input: { eventId: string }): Promise<void> {
  const plan = await prepare({ eventId: input.eventId });
  await Promise.all([
    ...(plan.notificationId
      ? [settled(sendMail({ notificationId: plan.notificationId, eventId: input.eventId }))]
      : []),
    ...plan.deliveryIds.map((deliveryId) => settled(deliverWebhook({ deliveryId }))),
  ]);
}

/** `POST /v1/webhook-deliveries/{id}/retry`: the delivery again, on a fresh schedule. */
export async function webhookRedeliveryWorkflow(input: { deliveryId: string }): Promise<void> {
  await settled(deliverWebhook({ deliveryId: input.deliveryId }));
}
