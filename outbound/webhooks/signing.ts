// Outbound webhooks are signed as the Standard Webhooks specification describes
// (https://www.standardwebhooks.com/), so that a receiver can verify them with any of that project's libraries
// instead of code written for us alone.

import { createHmac, randomBytes } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface WebhookToSign {
  /** The message id, unique per event: receivers use it to drop duplicates. */
  id: string;
  /** Unix seconds. Receivers refuse messages too far from their clock, which bounds replays. */
  timestamp: number;
  /** The exact bytes sent: the signature covers the body as a string, not a re-serialised object. */
  body: string;
  /** Usually one; two while a subscriber rotates its secret, so that the old and the new both verify. */
  secrets: string[];
}

/** A type alias, not an interface, so that it can be passed where a `Record<string, string>` of headers is expected. */
export type WebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
  'content-type': 'application/json';
};

/** A new signing secret: 24 random bytes (192 bits), in the `whsec_` form receivers paste into their libraries. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString('base64');
}

/** The HMAC key inside a `whsec_` secret. The error never repeats the secret: it may end up in a log. */
function secretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('webhook secret must start with "whsec_"');
  const encoded = secret.slice(SECRET_PREFIX.length);
  // Buffer.from(…, 'base64') skips characters it does not know; checking first turns a mangled secret into an
  // error instead of a key that silently differs from the subscriber's.
  if (!BASE64.test(encoded)) throw new Error('webhook secret must be base64 after "whsec_"');
  return Buffer.from(encoded, 'base64');
}

/**
 * The `webhook-signature` header value: one `v1,<base64 HMAC-SHA256>` entry per secret, space-separated, each
 * over `${id}.${timestamp}.${body}`. A receiver accepts the message when any entry matches its secret.
 */
export function signWebhook({ id, timestamp, body, secrets }: WebhookToSign): string {
  if (secrets.length === 0) throw new Error('at least one webhook secret is needed to sign');
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new Error('webhook timestamp must be a whole number of unix seconds');
  }
  const signedContent = `${id}.${timestamp}.${body}`;
  return secrets
    .map((secret) => `v1,${createHmac('sha256', secretKey(secret)).update(signedContent).digest('base64')}`)
    .join(' ');
}

/** Every header a Standard Webhooks receiver needs, with the timestamp as the decimal string the spec requires. */
export function webhookHeaders(message: WebhookToSign): WebhookHeaders {
  return {
    'webhook-id': message.id,
    'webhook-timestamp': String(message.timestamp),
    'webhook-signature': signWebhook(message),
    'content-type': 'application/json',
  };
}
