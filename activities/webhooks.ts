/**
 * Webhook deliveries (API.md v1.2, Standard Webhooks): one attempt per activity attempt. A failed attempt
 * asks Temporal for its next retry after the delay API.md sets (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h),
 * so the schedule is Temporal's retry policy, not a loop of ours; after the eighth attempt the delivery is
 * `failed`. A 410 disables the endpoint. The `webhook-id` is the event's id on every attempt.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { WebhookMaxAttempts, WebhookRetryDelaysMs, type EventBody, type EventType } from '../domain/events';
import { postWebhook } from '../outbound/webhooks/http';
import { webhookHeaders } from '../outbound/webhooks/signing';
import { requireOutbound, type OutboundDeps } from './outbound';
import type { Store } from './store';

export type DeliveryOutcome = 'succeeded' | 'failed' | 'disabled' | 'skipped';

export interface DeliveryInput {
  deliveryId: string;
  /** Attempts made before this workflow took the delivery over (the worker's relay's first one). */
  attemptsBefore?: number;
}

/** An attempt that failed with attempts to go: the next one is due after `retryInMs` (API.md's schedule). */
export interface DeliveryRetry {
  retryInMs: number;
  error: string;
}

/** One attempt at a delivery, the `attempt`-th in all; API.md's schedule gives the delay before the next. */
export function createWebhookSender({ db }: Store, deps: OutboundDeps | undefined) {
  return async function deliver(input: DeliveryInput, attempt: number): Promise<DeliveryOutcome | DeliveryRetry> {
    const outbound = requireOutbound(deps);
    const delivery = await db.webhookDelivery.findUnique({
      where: { id: input.deliveryId },
      include: { endpoint: true, event: true },
    });
    // Delivered meanwhile (a manual retry), or its endpoint deleted: nothing to send.
    if (!delivery || delivery.status === 'succeeded') return 'skipped';
    const { endpoint, event } = delivery;
    if (endpoint.status !== 'enabled') {
      await db.webhookDelivery.update({
        where: { id: delivery.id },
        data: { status: 'failed', nextAttemptAt: null, lastError: 'endpoint disabled' },
      });
      return 'disabled';
    }
    const at = outbound.now();
    const secrets = [outbound.secretBox.open(endpoint.secretSealed)];
    if (endpoint.previousSecretSealed && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > at)
      secrets.push(outbound.secretBox.open(endpoint.previousSecretSealed));
    const body: EventBody = {
      id: event.id,
      type: event.type as EventType,
      createdAt: event.createdAt.toISOString(),
      data: { object: JSON.parse(event.object) as unknown },
    };
    const text = JSON.stringify(body);
    const result = await postWebhook({
      url: endpoint.url,
      headers: webhookHeaders({ id: event.id, timestamp: Math.floor(at.getTime() / 1000), body: text, secrets }),
      body: text,
      allowPrivate: outbound.allowPrivate,
    });
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    const gone = result.status === 410;
    // The attempt number restarts with a manual retry; the delivery's own count goes on.
    const last = !ok && !gone && attempt >= WebhookMaxAttempts;
    const delayMs = ok || gone || last ? null : WebhookRetryDelaysMs[attempt - 1];
    const attemptData = {
      attempts: { increment: 1 },
      lastResponseStatus: result.status,
      lastError: ok ? null : (result.error ?? `HTTP ${result.status}`),
      lastLatencyMs: result.latencyMs,
      nextAttemptAt: delayMs === null ? null : new Date(at.getTime() + delayMs),
      status: ok ? 'succeeded' : gone || last ? 'failed' : 'pending',
    };
    if (gone) {
      await db.$transaction([
        db.webhookDelivery.update({ where: { id: delivery.id }, data: attemptData }),
        db.webhookEndpoint.update({ where: { id: endpoint.id }, data: { status: 'disabled', disabledAt: at } }),
      ]);
      return 'disabled';
    }
    await db.webhookDelivery.update({ where: { id: delivery.id }, data: attemptData });
    if (ok) return 'succeeded';
    if (last) return 'failed';
    return { retryInMs: delayMs ?? WebhookRetryDelaysMs[0], error: `${endpoint.id}: ${attemptData.lastError}` };
  };
}

export function createWebhookActivities(store: Store, deps: OutboundDeps | undefined) {
  const deliver = createWebhookSender(store, deps);
  return {
    async deliverWebhook(input: DeliveryInput): Promise<DeliveryOutcome> {
      const outcome = await deliver(input, Context.current().info.attempt + (input.attemptsBefore ?? 0));
      if (typeof outcome === 'string') return outcome;
      throw ApplicationFailure.create({
        type: 'webhook_attempt_failed',
        message: outcome.error,
        nextRetryDelay: outcome.retryInMs,
      });
    },
  };
}
