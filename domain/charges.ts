import { addMonthsUtc, effectiveDate } from './dates';
import type { ChargeLine, Charges, SubscriptionTerms } from './types';

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

// P13–P15: what is still billed when a cancellation is accepted. One line per monthly period, from the current
// one (inclusive) up to the effective date (P2), each at the full monthly price, never prorated, never refunded.
export function computeCharges(
  sub: Pick<
    SubscriptionTerms,
    'billing' | 'currentPeriodStart' | 'currentPeriodEnd' | 'contractEnd' | 'monthlyPriceCents' | 'currency'
  >,
): Charges {
  const anchor = sub.currentPeriodStart;
  const effectiveAt = effectiveDate(sub);
  // An invalid date would make every comparison false and silently bill nothing.
  if (Number.isNaN(anchor.getTime())) throw new RangeError('currentPeriodStart is not a valid date');
  if (Number.isNaN(effectiveAt.getTime())) throw new RangeError('effective date is not a valid date');

  const lines: ChargeLine[] = [];
  // Each boundary is anchor + i months, never the previous boundary + 1 month: chaining drifts after the 31st
  // (Jan 31 → Feb 28 → Mar 28 instead of Mar 31).
  for (let i = 0; ; i++) {
    const start = addMonthsUtc(anchor, i);
    if (start.getTime() >= effectiveAt.getTime()) break;
    const nextStart = addMonthsUtc(anchor, i + 1);
    const end = nextStart.getTime() < effectiveAt.getTime() ? nextStart : effectiveAt;
    lines.push({
      description: `Monthly period ${isoDay(start)} to ${isoDay(end)}`,
      periodStart: start.toISOString(),
      periodEnd: end.toISOString(),
      // P13/P14: a started or remaining month is billed in full, even a shorter final one.
      amountCents: sub.monthlyPriceCents,
    });
  }

  return {
    currency: sub.currency,
    remainingCents: lines.reduce((sum, line) => sum + line.amountCents, 0),
    refundCents: 0, // P15
    lines,
  };
}
