import { addMonthsUtc, computeCharges, effectiveDate, takesEffectAtOnce, type ChargeTerms } from '../../domain';
import { computeChargesV1, effectiveDateV1 } from '../../domain/legacy/v1-charges';
import { loadChargesVectors, vectorTerms, withoutDescriptions } from '../helpers/charges-vectors';

const utc = (iso: string): Date => new Date(iso);
const vectors = loadChargesVectors();

function fixedTerm(currentPeriodStart: Date, contractEnd: Date, monthlyPriceCents: number): ChargeTerms {
  return {
    billing: 'fixed_term',
    currentPeriodStart,
    currentPeriodEnd: addMonthsUtc(currentPeriodStart, 1),
    contractEnd,
    monthlyPriceCents,
    currency: 'EUR',
  };
}

const monthly = (start: string, end: string, monthlyPriceCents = 4900): ChargeTerms => ({
  billing: 'monthly',
  currentPeriodStart: utc(start),
  currentPeriodEnd: utc(end),
  contractEnd: null,
  monthlyPriceCents,
  currency: 'EUR',
});

const spans = (terms: ChargeTerms, acceptedAt: Date) =>
  computeCharges(terms, acceptedAt).lines.map((l) => [l.periodStart, l.periodEnd]);

describe('the shared worked cases of the charges rule (P2, P13–P15)', () => {
  it('reads at least the ten cases the rule was written with', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(10);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const terms = vectorTerms(v);
    const acceptedAt = utc(v.acceptedAt);
    const effectiveAt = effectiveDate(terms);
    expect(effectiveAt.toISOString()).toBe(v.expected.effectiveAt);
    expect(takesEffectAtOnce(effectiveAt, acceptedAt)).toBe(v.expected.takesEffectAtOnce);
    expect(withoutDescriptions(computeCharges(terms, acceptedAt))).toEqual(v.expected.charges);
  });
});

describe('computeCharges', () => {
  it('bills a monthly plan one line, whatever the length of its period (P13)', () => {
    // February (28 days), a 31-day period anchored on the 31st, and a period across a clock change.
    for (const [start, end] of [
      ['2027-01-31T00:00:00.000Z', '2027-02-28T00:00:00.000Z'],
      ['2027-04-30T00:00:00.000Z', '2027-05-31T00:00:00.000Z'],
      ['2027-02-28T23:00:00.000Z', '2027-03-31T22:00:00.000Z'],
    ]) {
      const charges = computeCharges(monthly(start, end), utc('2027-01-01T00:00:00.000Z'));
      expect(charges.lines.map((l) => [l.periodStart, l.periodEnd])).toEqual([[start, end]]);
      expect(charges.remainingCents).toBe(4900);
    }
  });

  it('bills the remaining 6 months of a 12-month contract cancelled 6 months in (P2, P14)', () => {
    const contractStart = utc('2025-03-01T00:00:00.000Z');
    const terms = fixedTerm(addMonthsUtc(contractStart, 6), addMonthsUtc(contractStart, 12), 2500);
    const charges = computeCharges(terms, utc('2025-09-10T00:00:00.000Z'));
    expect(charges.remainingCents).toBe(6 * 2500);
    expect(charges.lines[5].periodEnd).toBe('2026-03-01T00:00:00.000Z');
    expect(charges.lines.every((l) => l.amountCents === 2500)).toBe(true);
  });

  it('steps contract months back from a contract end on the 31st when the current period is clamped (P14)', () => {
    // The period Feb 28 → Mar 28 comes from a Jan 31 anchor; months step back from May 31, not on from Feb 28.
    const terms: ChargeTerms = {
      ...fixedTerm(utc('2027-02-28T00:00:00.000Z'), utc('2027-05-31T00:00:00.000Z'), 100),
      currentPeriodEnd: utc('2027-03-31T00:00:00.000Z'),
    };
    expect(spans(terms, utc('2027-03-01T00:00:00.000Z'))).toEqual([
      ['2027-02-28T00:00:00.000Z', '2027-03-31T00:00:00.000Z'],
      ['2027-03-31T00:00:00.000Z', '2027-04-30T00:00:00.000Z'],
      ['2027-04-30T00:00:00.000Z', '2027-05-31T00:00:00.000Z'],
    ]);
  });

  it('joins a sub-day piece next to the current period to the next month, not a month of its own (P14)', () => {
    const terms: ChargeTerms = {
      ...fixedTerm(utc('2027-01-01T00:00:00.000Z'), utc('2027-04-01T06:00:00.000Z'), 100),
      currentPeriodEnd: utc('2027-02-01T00:00:00.000Z'),
    };
    // Boundaries back from Apr 1 06:00: Mar 1 06:00, Feb 1 06:00 (6 h after the period: joins the next line).
    expect(spans(terms, utc('2027-01-10T00:00:00.000Z'))).toEqual([
      ['2027-01-01T00:00:00.000Z', '2027-02-01T00:00:00.000Z'],
      ['2027-02-01T00:00:00.000Z', '2027-03-01T06:00:00.000Z'],
      ['2027-03-01T06:00:00.000Z', '2027-04-01T06:00:00.000Z'],
    ]);
  });

  it('counts a piece of exactly 24 hours as a month, billed in full (P14)', () => {
    const terms: ChargeTerms = {
      ...fixedTerm(utc('2027-01-01T00:00:00.000Z'), utc('2027-03-02T00:00:00.000Z'), 100),
      currentPeriodEnd: utc('2027-02-01T00:00:00.000Z'),
    };
    const charges = computeCharges(terms, utc('2027-01-10T00:00:00.000Z'));
    expect(charges.lines.map((l) => [l.periodStart, l.periodEnd])).toEqual([
      ['2027-01-01T00:00:00.000Z', '2027-02-01T00:00:00.000Z'],
      ['2027-02-01T00:00:00.000Z', '2027-02-02T00:00:00.000Z'],
      ['2027-02-02T00:00:00.000Z', '2027-03-02T00:00:00.000Z'],
    ]);
    expect(charges.remainingCents).toBe(300);
  });

  it('does not bill again a current period that is over, while billing the contract months after it (P14, P15)', () => {
    const terms = fixedTerm(utc('2027-01-01T00:00:00.000Z'), utc('2027-04-01T00:00:00.000Z'), 100);
    const charges = computeCharges(terms, utc('2027-02-01T00:00:00.000Z')); // the instant the period ends
    expect(charges.lines.map((l) => l.periodStart)).toEqual(['2027-02-01T00:00:00.000Z', '2027-03-01T00:00:00.000Z']);
    expect(charges.remainingCents).toBe(200);
  });

  it('bills nothing once every period is over, and the cancellation takes effect at once (P2, P15)', () => {
    const terms = fixedTerm(utc('2027-01-01T00:00:00.000Z'), utc('2027-02-01T00:00:00.000Z'), 100);
    const acceptedAt = utc('2027-03-01T00:00:00.000Z');
    expect(computeCharges(terms, acceptedAt)).toEqual({
      currency: 'EUR',
      remainingCents: 0,
      refundCents: 0,
      lines: [],
    });
    expect(takesEffectAtOnce(effectiveDate(terms), acceptedAt)).toBe(true);
  });

  it('includes the leap day in a contract month of a leap year (P14)', () => {
    const terms: ChargeTerms = {
      ...fixedTerm(utc('2028-01-01T00:00:00.000Z'), utc('2028-03-31T00:00:00.000Z'), 500),
      currentPeriodEnd: utc('2028-01-31T00:00:00.000Z'),
    };
    expect(spans(terms, utc('2028-01-05T00:00:00.000Z')).slice(1)).toEqual([
      ['2028-01-31T00:00:00.000Z', '2028-02-29T00:00:00.000Z'],
      ['2028-02-29T00:00:00.000Z', '2028-03-31T00:00:00.000Z'],
    ]);
  });

  it('never refunds, whatever the plan (P15)', () => {
    const at = utc('2026-04-02T00:00:00.000Z');
    expect(computeCharges(monthly('2026-04-01T00:00:00.000Z', '2026-05-01T00:00:00.000Z'), at).refundCents).toBe(0);
    const contract = fixedTerm(utc('2026-04-01T00:00:00.000Z'), utc('2027-04-01T00:00:00.000Z'), 1000);
    expect(computeCharges(contract, at)).toMatchObject({ refundCents: 0, remainingCents: 12 * 1000 });
  });

  it('produces lines that survive a JSON round trip unchanged, as Temporal payloads must (P16)', () => {
    const terms = fixedTerm(utc('2026-01-01T00:00:00.000Z'), utc('2026-04-01T00:00:00.000Z'), 1200);
    const charges = computeCharges(terms, utc('2026-01-02T00:00:00.000Z'));
    expect(JSON.parse(JSON.stringify(charges))).toEqual(charges);
  });

  it('refuses invalid dates instead of silently billing nothing (P14)', () => {
    const valid = utc('2026-04-01T00:00:00.000Z');
    const invalid = new Date('nope');
    expect(() => computeCharges(fixedTerm(invalid, valid, 1200), valid)).toThrow(RangeError);
    expect(() => computeCharges(fixedTerm(valid, invalid, 1200), valid)).toThrow(RangeError);
    expect(() => computeCharges(fixedTerm(valid, valid, 1200), invalid)).toThrow(RangeError);
  });
});

describe('the frozen v1.0 rule, kept for replaying older cancellations', () => {
  it('still gives what those cancellations recorded: two lines for a 31-day period from the 30th', () => {
    // The double billing that API.md v1.1 fixed; a running cancellation must replay it unchanged.
    const terms: ChargeTerms = {
      ...fixedTerm(utc('2027-04-30T00:00:00.000Z'), utc('2027-05-31T00:00:00.000Z'), 4900),
      currentPeriodEnd: utc('2027-05-31T00:00:00.000Z'),
    };
    expect(computeChargesV1(terms).lines).toHaveLength(2);
    expect(computeCharges(terms, utc('2027-05-01T00:00:00.000Z')).lines).toHaveLength(1);
    const pastEnd = { ...terms, contractEnd: utc('2027-01-01T00:00:00.000Z') };
    expect(effectiveDateV1(pastEnd).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(effectiveDate(pastEnd).toISOString()).toBe('2027-05-31T00:00:00.000Z');
  });
});
