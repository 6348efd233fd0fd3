import type { ErrorRequestHandler, RequestHandler } from 'express';
import {
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcServiceError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DomainError, ErrorCode, RefusalCodes, type Refusal } from '../domain/errors';
import { driverErrorKind, isUniqueViolation } from '../db/sql';
import { CursorNotFoundError } from '../db/pagination';

/** The error `type`s of API.md, each with its HTTP status. */
export const ErrorTypes = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found: 404,
  conflict: 409,
  cancellation_refused: 422,
  idempotency_error: 422,
  rate_limit_error: 429,
  api_error: 500,
} as const;
export type ErrorType = keyof typeof ErrorTypes;

export interface ErrorBody {
  error: { type: ErrorType; code: string; message: string; param?: string; details?: Record<string, unknown> };
}

/** An error the API answers as it is: status, type, code, a message for people, and where it points. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly param?: string;
  readonly details?: Record<string, unknown>;
  /** Sent as Retry-After (429, 503). */
  readonly retryAfterSeconds?: number;
  constructor(
    readonly type: ErrorType,
    readonly code: string,
    message: string,
    options: { status?: number; param?: string; details?: Record<string, unknown>; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.status = options.status ?? ErrorTypes[type];
    this.param = options.param;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  toBody(): ErrorBody {
    return {
      error: {
        type: this.type,
        code: this.code,
        message: this.message,
        ...(this.param !== undefined ? { param: this.param } : {}),
        ...(this.details !== undefined ? { details: this.details } : {}),
      },
    };
  }
}

// API.md: another account's resource answers exactly like a missing one, so ids can't be probed.
export const notFound = (what: string, id: string, param?: string): ApiError =>
  new ApiError('not_found', 'resource_missing', `No such ${what}: '${id}'`, { param });

/** API.md P11: every refusal in `details.refusals`, in order; the error's code is the first one. */
export function refusedError(refusals: Refusal[], extraDetails: Record<string, unknown> = {}): ApiError {
  const first = refusals[0];
  const message =
    refusals.length === 1
      ? first.message
      : `The cancellation was refused for ${refusals.length} reasons: ${refusals.map((r) => r.message).join(' ')}`;
  const balance = refusals.find((r) => r.code === ErrorCode.outstandingBalance)?.details?.balanceCents;
  return new ApiError('cancellation_refused', first.code, message, {
    details: { refusals, ...(balance !== undefined ? { balanceCents: balance } : {}), ...extraDetails },
  });
}

const internalError = (): ApiError =>
  new ApiError(
    'api_error',
    'internal_error',
    'Something went wrong on our side. Retry later; quote the X-Request-Id header if it keeps happening.',
  );

/** Seconds a client should wait before retrying a 503 (API.md: `Retry-After` set). */
export const UNAVAILABLE_RETRY_AFTER_S = 5;

/**
 * API.md: a database or Temporal that is down or too slow (no worker answering included) is a 503 within
 * the request's deadline, never a 500 or a 409. A 503 does not mean that nothing happened: the retry with
 * the same Idempotency-Key converges on what did.
 */
export const unavailable = (
  message = 'A service this request depends on is unavailable. Retry later with the same Idempotency-Key.',
): ApiError =>
  new ApiError('api_error', 'service_unavailable', message, {
    status: 503,
    retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_S,
  });

/**
 * Prisma's errors for a database that cannot be reached, is locked past its busy timeout, or has no free
 * connection (P1001 unreachable, P1002 timed out, P1008 operation timed out, e.g. SQLITE_BUSY, P1017 closed,
 * P2024 pool timeout), and the driver adapters' own kinds for the same.
 */
const DATABASE_UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const DRIVER_UNAVAILABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'SocketTimeout',
  'ConnectionClosed',
  'TooManyConnections',
  'TransactionWriteConflict',
]);

export function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, name } = err as { code?: unknown; name?: unknown };
  if (typeof code === 'string' && DATABASE_UNAVAILABLE_CODES.has(code)) return true;
  if (DRIVER_UNAVAILABLE_KINDS.has(driverErrorKind(err) ?? '')) return true;
  // Prisma's initialization error (the database was never reached) and a pg pool that cannot connect.
  if (name === 'PrismaClientInitializationError') return true;
  return typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03'].includes(code);
}

/** An ApplicationFailure type (an ErrorCode) raised by the workflow's update validators or handlers. */
function fromFailureType(type: string, message: string): ApiError | null {
  if ((RefusalCodes as readonly string[]).includes(type)) {
    return refusedError([{ code: type as Refusal['code'], message }]);
  }
  switch (type) {
    case ErrorCode.withdrawNotAllowed:
      return new ApiError('conflict', ErrorCode.withdrawNotAllowed, message);
    case ErrorCode.cancellationInProgress:
      return new ApiError('conflict', ErrorCode.cancellationInProgress, message);
    case ErrorCode.invalidContractEnd:
      return new ApiError('invalid_request_error', ErrorCode.invalidContractEnd, message);
    case ErrorCode.notFound:
      return new ApiError('not_found', 'resource_missing', message);
    case ErrorCode.cancellationClosed:
      return new ApiError('conflict', ErrorCode.cancellationClosed, message);
    case ErrorCode.invalidRequest:
      return new ApiError('invalid_request_error', 'invalid_body', message);
    // The workflow could not decide (the database down): the same request may be made again.
    case ErrorCode.serviceUnavailable:
      return unavailable();
    case ErrorCode.verificationFailed:
      return new ApiError('cancellation_refused', ErrorCode.verificationFailed, message);
    default:
      return null;
  }
}

/** Maps whatever a route threw to the error the client sees; null for the unexpected (answered 500). */
export function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof CursorNotFoundError) {
    return new ApiError('invalid_request_error', 'invalid_cursor', err.message, { param: 'startingAfter' });
  }
  if (err instanceof DomainError) return fromFailureType(err.code, err.message);
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    return new ApiError('conflict', ErrorCode.cancellationInProgress, 'A cancellation is already in progress.');
  }
  if (err instanceof WorkflowNotFoundError) {
    return new ApiError('not_found', 'resource_missing', 'No such cancellation.');
  }
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure && cause.type) return fromFailureType(cause.type, cause.message);
    return null;
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return unavailable();
  if (err instanceof ServiceError || isGrpcServiceError(err)) return unavailable();
  if (isDatabaseUnavailable(err)) return unavailable();
  if (isUniqueViolation(err)) {
    return new ApiError('conflict', 'resource_conflict', 'The request conflicts with the current state of a resource.');
  }
  if (typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2025') {
    return new ApiError('not_found', 'resource_missing', 'No such resource.');
  }
  // The router's "Failed to decode param" (api/routing.ts refuses such paths before it looks).
  if (err instanceof URIError && (err as { status?: unknown }).status === 400) {
    return new ApiError(
      'invalid_request_error',
      'invalid_path',
      'The request path is not valid percent-encoded UTF-8.',
    );
  }
  return bodyParserError(err);
}

/** express.json's errors: malformed JSON, a body over the limit, an encoding it cannot read. */
function bodyParserError(err: unknown): ApiError | null {
  if (typeof err !== 'object' || err === null) return null;
  const { type, status } = err as { type?: unknown; status?: unknown };
  if (typeof type !== 'string' || typeof status !== 'number' || status < 400 || status >= 500) return null;
  switch (type) {
    case 'entity.parse.failed':
      return new ApiError('invalid_request_error', 'invalid_json', 'The request body is not valid JSON.');
    case 'entity.too.large':
      return new ApiError('invalid_request_error', 'body_too_large', 'The request body is larger than 100 kB.', {
        status: 413,
      });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError('invalid_request_error', 'unsupported_encoding', 'Send the body as UTF-8 JSON.', {
        status: 415,
      });
    default:
      return new ApiError('invalid_request_error', 'invalid_request', 'The request could not be read.', { status });
  }
}

/**
 * The one error middleware: known errors answered in the contract's shape, everything else a 500
 * that says nothing about its cause. Every 5xx is logged with the request id (req.log is the
 * request's child logger).
 */
export const errorHandler: ErrorRequestHandler = (err, req, res, next) => {
  // The deadline already answered 503 (api/deadline.ts): what the request ran into later is only logged.
  if (res.locals.deadlineExceeded) {
    req.log.warn({ err }, 'request failed after its deadline had answered');
    void res.locals.releaseIdempotencyKey?.().catch(() => undefined);
    return;
  }
  if (res.headersSent) return next(err);
  const apiError = toApiError(err) ?? internalError();
  if (apiError.status >= 500) req.log.error({ err }, 'request failed');
  if (apiError.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
  if (apiError.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(apiError.retryAfterSeconds));
  res.status(apiError.status).json(apiError.toBody());
};

/** Routes nobody registered answer in the error shape too. */
export const unknownRoute: RequestHandler = (req, _res, next) => {
  next(new ApiError('not_found', 'unknown_route', `Unrecognized request URL (${req.method} ${req.path}).`));
};
