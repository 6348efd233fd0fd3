import { randomBytes } from 'node:crypto';

import { createSecretBox, DEVELOPMENT_SECRET_KEY, parseSecretKey } from '../../outbound/webhooks/secret-box';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const box = createSecretBox(parseSecretKey(DEVELOPMENT_SECRET_KEY));

/**
 * The sealed value with one bit flipped in one part (1: iv, 2: tag, 3: ciphertext), decoded first: the last base64
 * character of a part may carry spare bits, which changing would not change the bytes.
 */
function tamper(sealed: string, part: 1 | 2 | 3): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[part], 'base64url');
  bytes[0] ^= 1;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

/** The message of what `open` throws, which must say what went wrong without the secret or the key. */
function openError(sealed: string, withBox = box): string {
  try {
    withBox.open(sealed);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('open did not throw');
}

describe('the secret box for webhook secrets at rest', () => {
  it('opens what it sealed', () => {
    expect(box.open(box.seal(secret))).toBe(secret);
    expect(box.open(box.seal(''))).toBe('');
    expect(box.open(box.seal('é ünïcode ✓'))).toBe('é ünïcode ✓');
  });

  it('seals in the v1.<iv>.<tag>.<ciphertext> form without the plaintext in it', () => {
    const sealed = box.seal(secret);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(secret.slice('whsec_'.length));
  });

  it('seals the same secret differently each time', () => {
    expect(box.seal(secret)).not.toBe(box.seal(secret));
  });

  it('refuses a value whose iv, tag or ciphertext was altered, without leaking the secret or the key', () => {
    for (const part of [1, 2, 3] as const) {
      const message = openError(tamper(box.seal(secret), part));
      expect(message).toBe('sealed secret could not be opened: it was altered or sealed with another key');
      expect(message).not.toContain(secret);
      expect(message).not.toContain(DEVELOPMENT_SECRET_KEY);
    }
  });

  it('refuses a value sealed with another key', () => {
    const other = createSecretBox(randomBytes(32));
    expect(openError(other.seal(secret))).toMatch(/altered or sealed with another key/);
  });

  it('refuses malformed values with a clear message', () => {
    const sealed = box.seal(secret);
    for (const value of ['', 'nonsense', sealed.replace(/^v1/, 'v2'), `${sealed}.extra`, sealed.replace('.', '.!')]) {
      expect(openError(value)).toBe('sealed secret is malformed');
    }
  });

  it('refuses a key that is not exactly 32 bytes', () => {
    expect(() => createSecretBox(randomBytes(16))).toThrow(/exactly 32 bytes/);
    expect(() => createSecretBox(randomBytes(33))).toThrow(/exactly 32 bytes/);
  });
});

describe('parsing the secret box key from configuration', () => {
  const key = randomBytes(32);

  it('accepts 64 hex characters, base64 and base64url of 32 bytes', () => {
    expect(parseSecretKey(key.toString('hex'))).toEqual(key);
    expect(parseSecretKey(key.toString('hex').toUpperCase())).toEqual(key);
    expect(parseSecretKey(key.toString('base64'))).toEqual(key);
    expect(parseSecretKey(key.toString('base64url'))).toEqual(key);
  });

  it('refuses anything else without repeating the value', () => {
    for (const value of [
      '',
      'short',
      randomBytes(16).toString('hex'),
      randomBytes(31).toString('base64'),
      'z'.repeat(64),
    ]) {
      expect(() => parseSecretKey(value)).toThrow('secret key must be 64 hex characters or the base64 of 32 bytes');
    }
  });

  it('reads the development key, which is 64 hex characters', () => {
    expect(DEVELOPMENT_SECRET_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(parseSecretKey(DEVELOPMENT_SECRET_KEY)).toHaveLength(32);
  });
});
