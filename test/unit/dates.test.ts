import { addMonthsUtc, DomainError, effectiveDate, ErrorCode, reminderTimes } from '../../domain';

const utc = (iso: string): Date => new Date(iso);

describe('addMonthsUtc', () => {
  it.each([
    ['2026-01-15T00:00:00.000Z', 1, '2026-02-15T00:00:00.000Z'],
    // The 31st clamps to the last day of a shorter month.
    ['2026-01-31T00:00:00.000Z', 1, '2026-02-28T00:00:00.000Z'],
    ['2028-01-31T00:00:00.000Z', 1, '2028-02-29T00:00:00.000Z'],
    ['2026-03-31T00:00:00.000Z', 1, '2026-04-30T00:00:00.000Z'],
    ['2026-03-31T00:00:00.000Z', -1, '2026-02-28T00:00:00.000Z'],
    ['2028-03-31T00:00:00.000Z', -1, '2028-02-29T00:00:00.000Z'],
    ['2025-11-30T00:00:00.000Z', 3, '2026-02-28T00:00:00.000Z'],
    // Leap day: one year on there is no Feb 29, four years on there is.
    ['2028-02-29T00:00:00.000Z', 12, '2029-02-28T00:00:00.000Z'],
    ['2028-02-29T00:00:00.000Z', 48, '2032-02-29T00:00:00.000Z'],
    // 2100 is not a leap year (divisible by 100, not by 400); 2000 was.
    ['2099-02-28T00:00:00.000Z', 12, '2100-02-28T00:00:00.000Z'],
    ['1999-03-31T00:00:00.000Z', 11, '2000-02-29T00:00:00.000Z'],
    // Year boundaries, forwards and backwards.
    ['2025-12-15T00:00:00.000Z', 1, '2026-01-15T00:00:00.000Z'],
    ['2026-01-15T00:00:00.000Z', -1, '2025-12-15T00:00:00.000Z'],
    ['2025-12-31T00:00:00.000Z', 2, '2026-02-28T00:00:00.000Z'],
    ['2026-02-10T00:00:00.000Z', -25, '2024-01-10T00:00:00.000Z'],
    ['2026-05-20T00:00:00.000Z', 0, '2026-05-20T00:00:00.000Z'],
  ])('moves %s by %i month(s) to %s on the calendar (P2, P14)', (from, months, expected) => {
    expect(addMonthsUtc(utc(from), months).toISOString()).toBe(expected);
  });

  it('keeps the time of day to the millisecond while clamping the day (P2)', () => {
    expect(addMonthsUtc(utc('2026-01-31T13:45:12.345Z'), 1).toISOString()).toBe('2026-02-28T13:45:12.345Z');
  });

  it('does not shift the day near midnight UTC, whatever the host time zone (P2)', () => {
    expect(addMonthsUtc(utc('2026-01-31T23:59:59.999Z'), 1).toISOString()).toBe('2026-02-28T23:59:59.999Z');
    expect(addMonthsUtc(utc('2026-03-01T00:00:00.000Z'), -1).toISOString()).toBe('2026-02-01T00:00:00.000Z');
  });

  it('returns a new Date and leaves its argument untouched (P2)', () => {
    const from = utc('2026-01-31T00:00:00.000Z');
    const result = addMonthsUtc(from, 0);
    expect(result).not.toBe(from);
    expect(from.toISOString()).toBe('2026-01-31T00:00:00.000Z');
  });

  it('rejects a fractional number of months and an invalid date (P2)', () => {
    expect(() => addMonthsUtc(utc('2026-01-01T00:00:00.000Z'), 1.5)).toThrow(RangeError);
    expect(() => addMonthsUtc(new Date('not a date'), 1)).toThrow(RangeError);
  });
});

describe('effectiveDate', () => {
  it('ends a monthly plan at the end of its current period (P2, P13)', () => {
    const sub = { billing: 'monthly', currentPeriodEnd: utc('2026-02-15T00:00:00.000Z'), contractEnd: null } as const;
    expect(effectiveDate(sub).toISOString()).toBe('2026-02-15T00:00:00.000Z');
  });

  it('ends a fixed-term contract at its original end date, not at the current period end (P2, P14)', () => {
    const sub = {
      billing: 'fixed_term',
      currentPeriodEnd: utc('2025-10-01T00:00:00.000Z'),
      contractEnd: utc('2026-03-01T00:00:00.000Z'),
    } as const;
    expect(effectiveDate(sub).toISOString()).toBe('2026-03-01T00:00:00.000Z');
  });

  it('ends a contract already past its end, renewing month to month, at its current period end (P2)', () => {
    const sub = {
      billing: 'fixed_term',
      currentPeriodEnd: utc('2030-12-01T00:00:00.000Z'),
      contractEnd: utc('2030-06-01T00:00:00.000Z'),
    } as const;
    expect(effectiveDate(sub).toISOString()).toBe('2030-12-01T00:00:00.000Z');
  });

  it('refuses a fixed-term contract without an end date with a clear error (P2)', () => {
    const sub: Parameters<typeof effectiveDate>[0] = {
      billing: 'fixed_term',
      currentPeriodEnd: utc('2026-02-01T00:00:00.000Z'),
      contractEnd: null,
    };
    let thrown: unknown;
    try {
      effectiveDate(sub);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect(thrown).toMatchObject({
      code: ErrorCode.invalidContractEnd,
      message: 'A fixed-term subscription must have a contract end date (P2)',
    });
  });

  it('returns a copy the caller cannot use to mutate the subscription (P2)', () => {
    const currentPeriodEnd = utc('2026-02-15T00:00:00.000Z');
    const result = effectiveDate({ billing: 'monthly', currentPeriodEnd, contractEnd: null });
    result.setUTCFullYear(2030);
    expect(currentPeriodEnd.toISOString()).toBe('2026-02-15T00:00:00.000Z');
  });
});

describe('reminderTimes', () => {
  const effectiveAt = utc('2026-03-01T09:30:00.000Z');

  it('schedules both reminders, 7 days and 1 day before, when both are still ahead', () => {
    const times = reminderTimes(effectiveAt, utc('2026-02-01T12:00:00.000Z'));
    expect(times.map((t) => t.toISOString())).toEqual(['2026-02-22T09:30:00.000Z', '2026-02-28T09:30:00.000Z']);
  });

  it('drops the 7-day reminder when it has already passed at acceptance', () => {
    const times = reminderTimes(effectiveAt, utc('2026-02-25T00:00:00.000Z'));
    expect(times.map((t) => t.toISOString())).toEqual(['2026-02-28T09:30:00.000Z']);
  });

  it('drops both reminders when the cancellation is accepted less than a day before it takes effect', () => {
    expect(reminderTimes(effectiveAt, utc('2026-02-28T12:00:00.000Z'))).toEqual([]);
  });

  it('drops a reminder due at the very instant of acceptance, keeping only strictly later ones', () => {
    const times = reminderTimes(effectiveAt, utc('2026-02-22T09:30:00.000Z'));
    expect(times.map((t) => t.toISOString())).toEqual(['2026-02-28T09:30:00.000Z']);
  });

  it('counts exact 24-hour days, so a leap day is one of the seven', () => {
    const times = reminderTimes(utc('2028-03-01T00:00:00.000Z'), utc('2028-01-01T00:00:00.000Z'));
    expect(times.map((t) => t.toISOString())).toEqual(['2028-02-23T00:00:00.000Z', '2028-02-29T00:00:00.000Z']);
  });
});
