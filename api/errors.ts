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
import { isUniqueViolation } from '../db/idempotency';
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
  constructor(
    readonly type: ErrorType,
    readonly code: string,
    message: string,
    options: { status?: number; param?: string; details?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.status = options.status ?? ErrorTypes[type];
    this.param = options.param;
    this.details = options.details;
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

const unavailable = (): ApiError =>
  new ApiError('api_error', 'service_unavailable', 'A service this request depends on is unavailable. Retry later.', {
    status: 503,
  });

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
  if (isUniqueViolation(err)) {
    return new ApiError('conflict', 'resource_conflict', 'The request conflicts with the current state of a resource.');
  }
  if (typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2025') {
    return new ApiError('not_found', 'resource_missing', 'No such resource.');
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
  if (res.headersSent) return next(err);
  const apiError = toApiError(err) ?? internalError();
  if (apiError.status >= 500) req.log.error({ err }, 'request failed');
  if (apiError.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
  res.status(apiError.status).json(apiError.toBody());
};

/** Routes nobody registered answer in the error shape too. */
export const unknownRoute: RequestHandler = (req, _res, next) => {
  next(new ApiError('not_found', 'unknown_route', `Unrecognized request URL (${req.method} ${req.path}).`));
};
