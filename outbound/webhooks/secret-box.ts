// Webhook signing secrets must be readable by us (we sign with them), so they cannot be hashed like passwords;
// they are encrypted at rest instead, so that a copy of the database alone does not let anyone forge our webhooks.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * For development and tests only: it is in the source, so it protects nothing. Production configuration refuses
 * it (the config module checks for this exact value). It is the hex of "development-only-webhook-key-000", so that
 * it is recognisable wherever it turns up.
 */
export const DEVELOPMENT_SECRET_KEY = '646576656c6f706d656e742d6f6e6c792d776562686f6f6b2d6b65792d303030';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export interface SecretBox {
  /** `v1.<iv>.<tag>.<ciphertext>`, each base64url; a fresh IV every time, so equal secrets seal differently. */
  seal(plain: string): string;
  /** The plaintext back; throws when the value was altered, is not a sealed value, or was sealed with another key. */
  open(sealed: string): string;
}

/**
 * AES-256-GCM: authenticated, so a tampered value fails to open instead of yielding a wrong secret. The version
 * prefix is authenticated too (as associated data) and leaves room for a later scheme or key rotation.
 */
export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== KEY_BYTES) throw new Error(`secret box key must be exactly ${KEY_BYTES} bytes`);
  // A copy: the caller may reuse or zero its buffer.
  const ownKey = Buffer.from(key);
  const aad = Buffer.from(VERSION);

  return {
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', ownKey, iv);
      cipher.setAAD(aad);
      const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [VERSION, ...[iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url'))].join('.');
    },

    open(sealed) {
      // The messages name what is wrong, never the value or the key: they may be logged.
      const [version, ...encoded] = sealed.split('.');
      const [iv, tag, ciphertext] = encoded.map((part) => Buffer.from(part, 'base64url'));
      const wellFormed =
        version === VERSION &&
        encoded.length === 3 &&
        encoded.every((part) => BASE64URL.test(part)) &&
        iv.length === IV_BYTES &&
        tag.length === TAG_BYTES;
      if (!wellFormed) throw new Error('sealed secret is malformed');
      try {
        const decipher = createDecipheriv('aes-256-gcm', ownKey, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(aad);
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch {
        throw new Error('sealed secret could not be opened: it was altered or sealed with another key');
      }
    },
  };
}

/**
 * The key from configuration: 64 hex characters, or the base64 (or base64url) of 32 bytes, as `openssl rand -hex 32`
 * and `openssl rand -base64 32` print them. The error does not repeat the value.
 */
export function parseSecretKey(value: string): Buffer {
  const trimmed = value.trim();
  // Hex first: 64 hex characters are also valid base64 (of 48 bytes), which would be refused below.
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    // Node's base64 decoder reads both alphabets.
    const key = Buffer.from(trimmed, 'base64');
    if (key.length === KEY_BYTES) return key;
  }
  throw new Error(`secret key must be 64 hex characters or the base64 of ${KEY_BYTES} bytes`);
}
