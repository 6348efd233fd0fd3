import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * API tokens are long random strings, so one SHA-256 pass is enough to make a stolen table useless
 * (no dictionary to attack) while keeping the lookup an indexed equality on the digest.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex digests of equal length. */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
