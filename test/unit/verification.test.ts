import { VERIFICATION_WINDOW_MS, verificationLock } from '../../domain';

const at = (minutes: number): Date => new Date(Date.UTC(2027, 0, 1) + minutes * 60_000);
/** Failures at the given minutes, newest first, as the repository returns them. */
const failures = (...minutes: number[]): Date[] => minutes.sort((a, b) => b - a).map(at);

describe('the support verification lockout (P12)', () => {
  it('does not lock after four failures', () => {
    expect(verificationLock(failures(0, 1, 2, 3), at(4))).toBeNull();
  });

  it('locks after the fifth failure within 15 minutes, until 15 minutes after it', () => {
    const lock = verificationLock(failures(0, 1, 2, 3, 4), at(4));
    expect(lock).toEqual({ until: at(19), retryAfterSeconds: 15 * 60 });
  });

  it('answers Retry-After in whole seconds, rounded up', () => {
    const now = new Date(at(18).getTime() + 59_500);
    expect(verificationLock(failures(0, 1, 2, 3, 4), now)?.retryAfterSeconds).toBe(1);
  });

  it('unlocks exactly 15 minutes after the last failure', () => {
    expect(verificationLock(failures(0, 1, 2, 3, 4), at(19))).toBeNull();
  });

  it('does not lock when the five failures span more than 15 minutes', () => {
    expect(verificationLock(failures(0, 1, 2, 3, 16), at(16))).toBeNull();
    expect(verificationLock(failures(1, 2, 3, 4, 16), at(16))).not.toBeNull();
  });

  it('counts a window of exactly 15 minutes as within it', () => {
    expect(VERIFICATION_WINDOW_MS).toBe(900_000);
    expect(verificationLock(failures(0, 5, 10, 12, 15), at(15))).not.toBeNull();
  });
});
