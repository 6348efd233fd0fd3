import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { Db } from '../db/client';
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from '../db/idempotency';
import type { SecretBox } from '../outbound/webhooks/secret-box';
import { principalRef } from './auth';
import { ApiError } from './errors';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** API.md: the first response is kept for 24 h. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * A record still without a response after this long belongs to a request whose process died (a
 * crash between the claim and the answer): a retry may take it over. Far longer than any request
 * of this API takes, including the wait for the workflow's decision.
 */
export const IDEMPOTENCY_LOCK_TIMEOUT_MS = 5 * 60 * 1000;

/** Also rendered into the OpenAPI document as the header parameter of every POST. */
export const IdempotencyKeyHeader = z
  .string()
  .min(1)
  .max(255)
  // Printable ASCII without leading or trailing spaces (HTTP would strip those).
  .regex(/^[\x21-\x7E](?:[\x20-\x7E]*[\x21-\x7E])?$/)
  .describe('Makes a POST safe to retry: the first response for a key is replayed for 24 hours.');

/** Object keys sorted at every level, so `{a,b}` and `{b,a}` are the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

declare module 'express-serve-static-core' {
  interface Locals {
    /** The claimed Idempotency-Key's digest, scoped to caller, method and path (api/services/request-ids.ts). */
    requestKey?: string;
    /**
     * Frees the claimed key without storing an answer: for a request that finished after its deadline had
     * answered 503, so that the retry runs (and converges on this request's outcome) instead of waiting.
     */
    releaseIdempotencyKey?: () => Promise<void>;
  }
}

/** A key scoped to its caller, method and path (API.md): two callers' identical keys never meet. */
export function requestKeyDigest(principal: string, method: string, path: string, key: string): string {
  return createHash('sha256').update(`${principal}\n${method.toUpperCase()}\n${path}\n${key}`).digest('hex');
}

/** What "the same request" means for a key: method, path and body (an absent body counts as `{}`). */
export function requestHash(method: string, path: string, body: unknown): string {
  const normalizedBody = body === undefined || body === null ? {} : body;
  return createHash('sha256')
    .update(`${method.toUpperCase()} ${path}\n${canonicalJson(normalizedBody)}`)
    .digest('hex');
}

/**
 * Stripe's Idempotency-Key semantics, shared by every API instance through the database:
 * - the first response for (principal, key), status and body, is replayed for 24 h
 *   (`Idempotent-Replayed: true`);
 * - the same key with another method, path or body is 422 idempotency_error;
 * - a retry while the first request is still running is 409 conflict (Stripe answers 409 too);
 *   inserting the record is the lock, so two instances never both execute the request;
 * - like Stripe, a request refused before it ran (auth, validation) stores nothing; unlike Stripe,
 *   a 5xx is not stored either, so a retry after an outage runs again instead of replaying the error.
 */
/** The mark of a stored answer that was sealed (api/routing.ts `secretResponse`). */
const SEALED = 'sealed:';

export function idempotency(db: Db, clock: () => Date, box?: SecretBox): RequestHandler {
  return async (req, res, next) => {
    const raw = req.get(IDEMPOTENCY_HEADER);
    if (raw === undefined) return next();
    const parsed = IdempotencyKeyHeader.safeParse(raw);
    if (!parsed.success) {
      throw new ApiError(
        'invalid_request_error',
        'invalid_idempotency_key',
        'The Idempotency-Key header must be 1 to 255 characters long.',
        { param: IDEMPOTENCY_HEADER },
      );
    }
    const principal = req.principal ? principalRef(req.principal) : 'anonymous';
    const key = parsed.data;
    const path = req.originalUrl.split('?')[0];
    const claim = await claimIdempotencyKey(db, {
      principal,
      key,
      requestHash: requestHash(req.method, path, req.body),
      method: req.method,
      path,
      now: clock(),
      ttlMs: IDEMPOTENCY_TTL_MS,
      lockTimeoutMs: IDEMPOTENCY_LOCK_TIMEOUT_MS,
    });
    switch (claim.kind) {
      case 'mismatch':
        throw new ApiError(
          'idempotency_error',
          'idempotency_key_reused',
          'This Idempotency-Key was already used with a different request. Use a new key for a new request.',
          { param: IDEMPOTENCY_HEADER },
        );
      case 'in_flight':
        throw new ApiError(
          'conflict',
          'idempotency_key_in_use',
          'A request with this Idempotency-Key is still being processed. Retry once it has finished.',
          { param: IDEMPOTENCY_HEADER },
        );
      case 'replay':
        if (res.headersSent) return; // the deadline answered first
        res.setHeader('Idempotent-Replayed', 'true');
        res
          .status(claim.status)
          .type('application/json')
          .send(box && claim.body.startsWith(SEALED) ? box.open(claim.body.slice(SEALED.length)) : claim.body);
        return;
      case 'claimed':
        // The claim waited past the deadline (a locked database): the 503 is sent, so the request must not
        // run now; the key is freed for the retry.
        if (res.headersSent) return releaseIdempotencyKey(db, { principal, key }).then(() => undefined);
        res.locals.requestKey = requestKeyDigest(principal, req.method, path, key);
        res.locals.releaseIdempotencyKey = () => releaseIdempotencyKey(db, { principal, key });
        recordResponse(db, clock, res, { principal, key }, box);
        return next();
    }
  };
}

/**
 * Stores the response before it is sent, so a retry that arrives right after the answer is
 * replayed rather than refused as in flight. Every answer of a claimed request, errors included,
 * goes through res.json. A client that hangs up does not free the key: the request still runs to
 * its end and stores its answer for the retry.
 */
function recordResponse(
  db: Db,
  clock: () => Date,
  res: Response,
  record: { principal: string; key: string },
  box?: SecretBox,
): void {
  const send = res.json.bind(res);
  res.json = (body: unknown) => {
    if (res.headersSent) return res; // answered by the deadline already (api/deadline.ts)
    const status = res.statusCode;
    const json = JSON.stringify(body);
    const text = box ? SEALED + box.seal(json) : json;
    // API.md: a 5xx is never stored, nor a 429 (the lockout ends; the same retry must then be checked).
    const store =
      status >= 500 || status === 429
        ? releaseIdempotencyKey(db, record)
        : completeIdempotencyKey(db, { ...record, status, body: text, now: clock() });
    store
      .catch((err: unknown) => res.req.log.error({ err }, 'could not store the idempotent response'))
      .finally(() => send(body));
    return res;
  };
}
