// FROZEN: the effective date and charges rule of API.md v1.0, kept only so that cancellations accepted before
// the workflow patch `exact-charges-and-dates` replay exactly as they were recorded. Never call it for a new
// decision; the rule in force is domain/charges.ts and domain/dates.ts.
import { addMonthsUtc } from '../dates';
import { DomainError, ErrorCode } from '../errors';
import type { ChargeLine, Charges, SubscriptionTerms } from '../types';

type Terms = Pick<
  SubscriptionTerms,
  'billing' | 'currentPeriodStart' | 'currentPeriodEnd' | 'contractEnd' | 'monthlyPriceCents' | 'currency'
>;

/** v1.0: a fixed-term contract took effect on its contractEnd even when that had passed. */
export function effectiveDateV1(sub: Pick<SubscriptionTerms, 'billing' | 'currentPeriodEnd' | 'contractEnd'>): Date {
  if (sub.billing === 'monthly') return new Date(sub.currentPeriodEnd.getTime());
  if (sub.contractEnd === null) {
    throw new DomainError(ErrorCode.invalidContractEnd, 'A fixed-term subscription must have a contract end date (P2)');
  }
  return new Date(sub.contractEnd.getTime());
}

/** v1.0: one line per month stepped from currentPeriodStart up to the effective date. */
export function computeChargesV1(sub: Terms): Charges {
  const anchor = sub.currentPeriodStart;
  const effectiveAt = effectiveDateV1(sub);
  const lines: ChargeLine[] = [];
  for (let i = 0; ; i++) {
    const start = addMonthsUtc(anchor, i);
    if (start.getTime() >= effectiveAt.getTime()) break;
    const nextStart = addMonthsUtc(anchor, i + 1);
    const end = nextStart.getTime() < effectiveAt.getTime() ? nextStart : effectiveAt;
    lines.push({
      description: `Monthly period ${start.toISOString().slice(0, 10)} to ${end.toISOString().slice(0, 10)}`,
      periodStart: start.toISOString(),
      periodEnd: end.toISOString(),
      amountCents: sub.monthlyPriceCents,
    });
  }
  return {
    currency: sub.currency,
    remainingCents: lines.reduce((sum, line) => sum + line.amountCents, 0),
    refundCents: 0,
    lines,
  };
}
