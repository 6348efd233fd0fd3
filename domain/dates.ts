import { DomainError, ErrorCode } from './errors';
import type { SubscriptionTerms } from './types';

const DAY_MS = 24 * 60 * 60 * 1000;

function assertValidDate(date: Date, name: string): void {
  if (Number.isNaN(date.getTime())) throw new RangeError(`${name} is not a valid date`);
}

// Calendar months in UTC, keeping the time of day. The day is clamped to the target month's last day (Jan 31 + 1
// month = Feb 28, or Feb 29 in a leap year) because billing periods step one calendar month at a time (API.md).
export function addMonthsUtc(date: Date, months: number): Date {
  assertValidDate(date, 'date');
  if (!Number.isInteger(months)) throw new RangeError(`months must be an integer, got ${months}`);

  const monthIndex = date.getUTCFullYear() * 12 + date.getUTCMonth() + months;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12;

  // setUTCFullYear rather than Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  const result = new Date(date.getTime());
  result.setUTCFullYear(year, month, 1);
  const lastDay = daysInMonthUtc(year, month);
  result.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return result;
}

function daysInMonthUtc(year: number, month: number): number {
  const probe = new Date(0);
  // Day 0 of the next month is the last day of this one.
  probe.setUTCFullYear(year, month + 1, 0);
  return probe.getUTCDate();
}

// P2: a monthly plan runs to the end of its current period, a fixed-term contract to its original end date. A
// contract already past its end renews month to month, so it runs to the end of its current period: the later
// of the two (API.md v1.1). Taking the old contractEnd deactivated such a contract within seconds.
export function effectiveDate(sub: Pick<SubscriptionTerms, 'billing' | 'currentPeriodEnd' | 'contractEnd'>): Date {
  if (sub.billing === 'monthly') return new Date(sub.currentPeriodEnd.getTime());
  if (sub.contractEnd === null) {
    throw new DomainError(ErrorCode.invalidContractEnd, 'A fixed-term subscription must have a contract end date (P2)');
  }
  return new Date(Math.max(sub.contractEnd.getTime(), sub.currentPeriodEnd.getTime()));
}

// Reminders 7 days and 1 day before the effective date (API.md, cancellation_reminder). Exact 24-hour days: in UTC
// there is no daylight-saving shift to honour. A reminder whose time has already passed when the cancellation is
// accepted is not sent.
export function reminderTimes(effectiveAt: Date, acceptedAt: Date): Date[] {
  assertValidDate(effectiveAt, 'effectiveAt');
  assertValidDate(acceptedAt, 'acceptedAt');
  return [7, 1]
    .map((days) => new Date(effectiveAt.getTime() - days * DAY_MS))
    .filter((at) => at.getTime() > acceptedAt.getTime());
}
