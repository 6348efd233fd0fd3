// P12: support verifies the customer before acting. Guessing is bounded: after 5 failed verifications for
// one account within 15 minutes, support cancellations for that account are locked until 15 minutes after
// the last failure, whichever agent asks; while locked nothing is checked or counted, and a success does not
// reset the count (API.md, "Support body").

export const VERIFICATION_MAX_FAILURES = 5;
export const VERIFICATION_WINDOW_MS = 15 * 60 * 1000;

export interface VerificationLock {
  until: Date;
  /** For Retry-After: whole seconds until `until`, at least 1. */
  retryAfterSeconds: number;
}

/**
 * Whether an account is locked at `now`, from its most recent failures (newest first; more than
 * VERIFICATION_MAX_FAILURES may be given). Locked when the last five fell within one 15-minute window and
 * the last of them is less than 15 minutes old.
 */
export function verificationLock(recentFailures: readonly Date[], now: Date): VerificationLock | null {
  if (recentFailures.length < VERIFICATION_MAX_FAILURES) return null;
  const newest = recentFailures[0].getTime();
  const fifth = recentFailures[VERIFICATION_MAX_FAILURES - 1].getTime();
  if (newest - fifth > VERIFICATION_WINDOW_MS) return null;
  const until = newest + VERIFICATION_WINDOW_MS;
  if (now.getTime() >= until) return null;
  return { until: new Date(until), retryAfterSeconds: Math.max(1, Math.ceil((until - now.getTime()) / 1000)) };
}
