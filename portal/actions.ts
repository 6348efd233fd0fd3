/**
 * A change made from the portal goes through the API's Idempotency-Key records (db/idempotency.ts), keyed by the
 * hidden `idempotencyKey` each form carries: a double click or a browser's re-post converges on the first outcome
 * instead of cancelling twice or conflicting with itself, as a retried API request does.
 */
import type { Request } from 'express';
import { principalRef, type UserPrincipal } from '../api/auth';
import { ApiError, toApiError } from '../api/errors';
import {
  IDEMPOTENCY_LOCK_TIMEOUT_MS,
  IDEMPOTENCY_TTL_MS,
  IdempotencyKeyHeader,
  requestHash,
  requestKeyDigest,
} from '../api/idempotency';
import type { Services } from '../api/services/context';
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from '../db/idempotency';

/** Where the browser goes after a change (303, Post/Redirect/Get), or the error the change ran into. */
export type Outcome =
  | { kind: 'redirect'; location: string }
  | { kind: 'error'; status: number; code: string; message: string; details?: Record<string, unknown> };

const IN_FLIGHT_WAIT_MS = 8_000;

export async function runChange(
  services: Services,
  principal: UserPrincipal,
  req: Request,
  fields: Record<string, string>,
  change: (services: Services) => Promise<string>,
): Promise<Outcome> {
  const key = IdempotencyKeyHeader.safeParse(req.body?.idempotencyKey);
  if (!key.success)
    return errorOutcome(new ApiError('invalid_request_error', 'invalid_body', 'The form is missing its key.'));
  const scope = principalRef(principal);
  const path = `${req.baseUrl}${req.path}`;
  const record = { principal: scope, key: key.data };
  const claim = await claimIdempotencyKey(services.db, {
    ...record,
    requestHash: requestHash('POST', path, fields),
    method: 'POST',
    path,
    now: services.clock(),
    ttlMs: IDEMPOTENCY_TTL_MS,
    lockTimeoutMs: IDEMPOTENCY_LOCK_TIMEOUT_MS,
  });
  switch (claim.kind) {
    case 'replay':
      return JSON.parse(claim.body) as Outcome;
    case 'mismatch':
      return errorOutcome(new ApiError('idempotency_error', 'idempotency_key_reused', 'This form was sent already.'));
    case 'in_flight':
      return (await waitForFirst(services, record)) ?? errorOutcome(stillWorking());
    case 'claimed':
      break;
  }
  let outcome: Outcome;
  try {
    const requestKey = requestKeyDigest(scope, 'POST', path, key.data);
    outcome = { kind: 'redirect', location: await change({ ...services, requestKey }) };
  } catch (err) {
    const apiError = toApiError(err);
    // A 5xx is never stored (API.md): the same form sent again runs again and converges on what happened.
    if (!apiError || apiError.status >= 500) {
      await releaseIdempotencyKey(services.db, record);
      throw err;
    }
    outcome = errorOutcome(apiError);
  }
  const status = outcome.kind === 'redirect' ? 303 : outcome.status;
  await completeIdempotencyKey(services.db, {
    ...record,
    status,
    body: JSON.stringify(outcome),
    now: services.clock(),
  });
  return outcome;
}

export type ErrorOutcome = Extract<Outcome, { kind: 'error' }>;

export function errorOutcome(err: ApiError): ErrorOutcome {
  const body = err.toBody().error;
  return { kind: 'error', status: err.status, code: body.code, message: body.message, details: body.details };
}

const stillWorking = () => new ApiError('conflict', 'idempotency_key_in_use', 'This form is still being processed.');

/** The same form sent while the first is still running: wait a little for the first one's outcome. */
async function waitForFirst(services: Services, record: { principal: string; key: string }): Promise<Outcome | null> {
  const until = Date.now() + IN_FLIGHT_WAIT_MS;
  while (Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const row = await services.db.idempotencyRecord.findUnique({ where: { principal_key: record } });
    if (!row) return null;
    if (row.status !== null && row.responseBody !== null) return JSON.parse(row.responseBody) as Outcome;
  }
  return null;
}
