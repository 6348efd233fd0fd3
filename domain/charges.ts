import { addMonthsUtc, effectiveDate } from './dates';
import type { ChargeLine, Charges, SubscriptionTerms } from './types';

const DAY_MS = 86_400_000;

export type ChargeTerms = Pick<
  SubscriptionTerms,
  'billing' | 'currentPeriodStart' | 'currentPeriodEnd' | 'contractEnd' | 'monthlyPriceCents' | 'currency'
>;

function assertValidDate(date: Date, name: string): void {
  if (Number.isNaN(date.getTime())) throw new RangeError(`${name} is not a valid date`);
}

const isoDay = (date: Date): string => date.toISOString().slice(0, 10);

const CURRENT_PERIOD = 'Current period';
const CONTRACT_MONTH = 'Contract month';

/**
 * What a charge line bills, for a page or mail that says it in another language: the description is API.md's
 * English text, written here and nowhere else.
 */
export const chargeLineKind = (line: Pick<ChargeLine, 'description'>): 'current_period' | 'contract_month' =>
  line.description.startsWith(CURRENT_PERIOD) ? 'current_period' : 'contract_month';

/**
 * P14: the ends of the contract's months after the current period, oldest first. They step back from
 * contractEnd one calendar month at a time (UTC), keeping its day of month, clamped to shorter months
 * (Dec 31 → Nov 30 → Oct 31), and its time of day: each is contractEnd − k months, never the previous
 * boundary − 1 month, which would drift after a clamp. Stepping from currentPeriodStart instead billed
 * two lines for one 31-day period (API.md v1.1).
 */
function laterMonthEnds(currentPeriodEnd: Date, contractEnd: Date): Date[] {
  const ends: Date[] = [];
  for (let k = 0; ; k++) {
    const end = addMonthsUtc(contractEnd, -k);
    if (end.getTime() <= currentPeriodEnd.getTime()) break;
    ends.unshift(end);
  }
  return ends;
}

/**
 * P13–P15: what is still billed when a cancellation is accepted at `acceptedAt` (API.md, "Objects").
 * - The current period is one line at the full monthly price, whatever its length (P13: no proration).
 * - A fixed-term contract adds one full-price line per later month up to contractEnd (P14). A piece
 *   shorter than 24 hours next to currentPeriodEnd is no month of its own: it joins the next line, or the
 *   current period's line when no later boundary follows.
 * - A period whose end is at or before `acceptedAt` is over: it is not billed again.
 * - Nothing is ever refunded (P15).
 */
export function computeCharges(sub: ChargeTerms, acceptedAt: Date): Charges {
  const { currentPeriodStart: start, currentPeriodEnd: end } = sub;
  assertValidDate(start, 'currentPeriodStart');
  assertValidDate(end, 'currentPeriodEnd');
  assertValidDate(acceptedAt, 'acceptedAt');
  const effectiveAt = effectiveDate(sub); // P2; also validates a fixed term's contractEnd
  assertValidDate(effectiveAt, 'effective date');

  const later = sub.billing === 'fixed_term' ? laterMonthEnds(end, effectiveAt) : [];
  let currentLineEnd = end;
  if (later.length > 0 && later[0].getTime() - end.getTime() < DAY_MS) {
    // The sub-day piece: part of the next line, or of the current one when it is the contract's last.
    const piece = later.shift() as Date;
    if (later.length === 0) currentLineEnd = piece;
  }

  const lines: ChargeLine[] = [
    {
      description: `${CURRENT_PERIOD} ${isoDay(start)} to ${isoDay(currentLineEnd)}`,
      periodStart: start.toISOString(),
      periodEnd: currentLineEnd.toISOString(),
      amountCents: sub.monthlyPriceCents,
    },
  ];
  let from = currentLineEnd;
  for (const to of later) {
    lines.push({
      description: `${CONTRACT_MONTH} ${isoDay(from)} to ${isoDay(to)}`,
      periodStart: from.toISOString(),
      periodEnd: to.toISOString(),
      amountCents: sub.monthlyPriceCents, // P14: a remaining month is billed in full
    });
    from = to;
  }

  const billed = lines.filter((line) => new Date(line.periodEnd).getTime() > acceptedAt.getTime());
  return {
    currency: sub.currency,
    remainingCents: billed.reduce((sum, line) => sum + line.amountCents, 0),
    refundCents: 0, // P15
    lines: billed,
  };
}

/** API.md: an effective date not after the moment of acceptance means the cancellation takes effect at once. */
export function takesEffectAtOnce(effectiveAt: Date, acceptedAt: Date): boolean {
  return effectiveAt.getTime() <= acceptedAt.getTime();
}
