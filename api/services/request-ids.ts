import { createHash, randomBytes } from 'node:crypto';

/**
 * API.md: a retry after a 5xx or a dropped connection converges on what actually happened. The ids of what
 * a request creates are derived from its Idempotency-Key (already scoped to caller, method and path, see
 * api/idempotency.ts), so the retry names the same cancellation, and Temporal deduplicates the same update
 * id instead of running it twice. Without a key every request is new: random ids.
 */
const digest = (requestKey: string, part: string): string =>
  createHash('sha256').update(`${requestKey}\n${part}`).digest('hex');

/** `can_` and 24 hex digits (96 bits): random, or derived from the request key and the subscription. */
export function cancellationIdFor(requestKey: string | undefined, subscriptionId: string): string {
  return `can_${requestKey ? digest(requestKey, `cancellation:${subscriptionId}`).slice(0, 24) : randomBytes(12).toString('hex')}`;
}

/** `<prefix>_` and 24 hex digits: random, or derived from the request key (e.g. a webhook endpoint's `we_`). */
export function objectIdFor(prefix: string, requestKey: string | undefined): string {
  return `${prefix}_${requestKey ? digest(requestKey, prefix).slice(0, 24) : randomBytes(12).toString('hex')}`;
}

/** A Temporal update id for one step of one request (`submit:sub_1`, `withdraw`, …); undefined without a key. */
export function updateIdFor(requestKey: string | undefined, step: string): string | undefined {
  return requestKey ? `${step.split(':')[0]}-${digest(requestKey, step).slice(0, 32)}` : undefined;
}
