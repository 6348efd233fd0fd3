import { Webhook } from 'standardwebhooks';

import { generateWebhookSecret, signWebhook, webhookHeaders } from '../../outbound/webhooks/signing';

// Signatures are checked with the Standard Webhooks reference library, as a subscriber would check them: agreeing
// with our own code would prove nothing.
const body = JSON.stringify({ type: 'cancellation.completed', data: { id: 'c_123' } });
const now = (): number => Math.floor(Date.now() / 1000);

describe('webhook signing (Standard Webhooks)', () => {
  it('generates secrets of the whsec_ form holding 24 random bytes', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(24);
    expect(generateWebhookSecret()).not.toBe(secret);
  });

  it('produces headers that the standardwebhooks library verifies with the one secret', () => {
    const secret = generateWebhookSecret();
    const headers = webhookHeaders({ id: 'msg_1', timestamp: now(), body, secrets: [secret] });
    expect(headers['content-type']).toBe('application/json');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('signs with two secrets during a rotation so that each one alone verifies the header', () => {
    const [oldSecret, newSecret] = [generateWebhookSecret(), generateWebhookSecret()];
    const headers = webhookHeaders({ id: 'msg_2', timestamp: now(), body, secrets: [oldSecret, newSecret] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(newSecret).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers })).toThrow();
  });

  it('fails verification when the body was altered after signing', () => {
    const secret = generateWebhookSecret();
    const headers = webhookHeaders({ id: 'msg_3', timestamp: now(), body, secrets: [secret] });
    expect(() => new Webhook(secret).verify(body.replace('c_123', 'c_124'), { ...headers })).toThrow();
  });

  it('writes the timestamp as a decimal string of unix seconds', () => {
    const headers = webhookHeaders({ id: 'msg_4', timestamp: 1_700_000_000, body, secrets: [generateWebhookSecret()] });
    expect(headers['webhook-timestamp']).toBe('1700000000');
    expect(headers['webhook-id']).toBe('msg_4');
  });

  it('matches the signature the library itself computes for the same message', () => {
    const secret = generateWebhookSecret();
    const timestamp = now();
    expect(signWebhook({ id: 'msg_5', timestamp, body, secrets: [secret] })).toBe(
      new Webhook(secret).sign('msg_5', new Date(timestamp * 1000), body),
    );
  });

  it('refuses a secret without the whsec_ prefix, without repeating it', () => {
    expect(() => signWebhook({ id: 'msg_6', timestamp: now(), body, secrets: ['s3cr3t-value'] })).toThrow(
      /must start with "whsec_"/,
    );
    expect(() => signWebhook({ id: 'msg_6', timestamp: now(), body, secrets: ['s3cr3t-value'] })).not.toThrow(/s3cr3t/);
  });

  it('refuses to sign with no secret or with a timestamp that is not whole seconds', () => {
    expect(() => signWebhook({ id: 'msg_7', timestamp: now(), body, secrets: [] })).toThrow(/at least one/);
    const secrets = [generateWebhookSecret()];
    expect(() => signWebhook({ id: 'msg_7', timestamp: Date.now() / 1000, body, secrets })).toThrow(/unix seconds/);
  });
});
