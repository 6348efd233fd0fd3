// The one error vocabulary shared by domain, activities (ApplicationFailure types), retry policies, the API's
// error mapper and the tests. Values are the wire codes of API.md.

export const ErrorCode = {
  roleNotPermitted: 'role_not_permitted',
  outstandingBalance: 'outstanding_balance',
  notCancellableOnline: 'not_cancellable_online',
  alreadyCancelled: 'already_cancelled',
  cancellationInProgress: 'cancellation_in_progress',
  cancellationRefused: 'cancellation_refused',
  verificationFailed: 'verification_failed',
  withdrawNotAllowed: 'withdraw_not_allowed',
  invalidContractEnd: 'invalid_contract_end',
  /** A message for a cancellation that is completed, withdrawn, failed or deactivating. */
  cancellationClosed: 'cancellation_closed',
  invalidRequest: 'invalid_request',
  notFound: 'not_found',
  /** A database or Temporal that is down or too slow: retry the same request later (a 503). */
  serviceUnavailable: 'service_unavailable',
  /** Data that can never be processed as it is (a missing row, a broken constraint): the step fails for good. */
  dataError: 'data_error',
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

// P11: the reasons a cancellation can be refused, in the order API.md lists them in `details.refusals`.
export const RefusalCodes = [
  ErrorCode.roleNotPermitted,
  ErrorCode.outstandingBalance,
  ErrorCode.notCancellableOnline,
  ErrorCode.alreadyCancelled,
] as const;
export type RefusalCode = (typeof RefusalCodes)[number];

export interface Refusal {
  code: RefusalCode;
  message: string;
  details?: Record<string, unknown>;
}

// Thrown by the domain when its input breaks an invariant, so callers can map the code instead of parsing a message.
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCodeValue,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
