import { addMonthsUtc, computeCharges, type SubscriptionTerms } from '../../domain';

type ChargeTerms = Parameters<typeof computeCharges>[0];
const utc = (iso: string): Date => new Date(iso);

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

describe('computeCharges', () => {
  it('bills the remaining 6 months of a 12-month contract cancelled 6 months in, until its end (P2, P14)', () => {
    const contractStart = utc('2025-03-01T00:00:00.000Z');
    const currentPeriodStart = addMonthsUtc(contractStart, 6);
    const contractEnd = addMonthsUtc(contractStart, 12);
    expect(currentPeriodStart.toISOString()).toBe('2025-09-01T00:00:00.000Z');
    expect(contractEnd.toISOString()).toBe('2026-03-01T00:00:00.000Z');

    const charges = computeCharges(fixedTerm(currentPeriodStart, contractEnd, 2500));

    expect(charges.lines).toHaveLength(6);
    expect(charges.remainingCents).toBe(6 * 2500);
    expect(charges.refundCents).toBe(0);
    expect(charges.lines.map((l) => [l.periodStart, l.periodEnd])).toEqual([
      ['2025-09-01T00:00:00.000Z', '2025-10-01T00:00:00.000Z'],
      ['2025-10-01T00:00:00.000Z', '2025-11-01T00:00:00.000Z'],
      ['2025-11-01T00:00:00.000Z', '2025-12-01T00:00:00.000Z'],
      ['2025-12-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'],
      ['2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z'],
      ['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
    ]);
    // The last period ends exactly at the effective date: the contract's original end (P2).
    expect(charges.lines[5].periodEnd).toBe(contractEnd.toISOString());
    expect(charges.lines.every((l) => l.amountCents === 2500)).toBe(true);
  });

  it('bills the last 3 months of a 15-month contract cancelled 3 months before its end (P14)', () => {
    const contractStart = utc('2025-01-10T08:00:00.000Z');
    const contractEnd = addMonthsUtc(contractStart, 15);
    const currentPeriodStart = addMonthsUtc(contractEnd, -3);
    expect(contractEnd.toISOString()).toBe('2026-04-10T08:00:00.000Z');

    const charges = computeCharges(fixedTerm(currentPeriodStart, contractEnd, 9900));

    expect(charges).toEqual({
      currency: 'EUR',
      remainingCents: 29700,
      refundCents: 0,
      lines: [
        {
          description: 'Monthly period 2026-01-10 to 2026-02-10',
          periodStart: '2026-01-10T08:00:00.000Z',
          periodEnd: '2026-02-10T08:00:00.000Z',
          amountCents: 9900,
        },
        {
          description: 'Monthly period 2026-02-10 to 2026-03-10',
          periodStart: '2026-02-10T08:00:00.000Z',
          periodEnd: '2026-03-10T08:00:00.000Z',
          amountCents: 9900,
        },
        {
          description: 'Monthly period 2026-03-10 to 2026-04-10',
          periodStart: '2026-03-10T08:00:00.000Z',
          periodEnd: '2026-04-10T08:00:00.000Z',
          amountCents: 9900,
        },
      ],
    });
  });

  it('bills the whole month, unprorated, for a monthly plan cancelled mid-month, ending at the month end (P13)', () => {
    const sub: Pick<
      SubscriptionTerms,
      'billing' | 'currentPeriodStart' | 'currentPeriodEnd' | 'contractEnd' | 'monthlyPriceCents' | 'currency'
    > = {
      billing: 'monthly',
      currentPeriodStart: utc('2026-01-15T00:00:00.000Z'),
      currentPeriodEnd: utc('2026-02-15T00:00:00.000Z'),
      contractEnd: null,
      monthlyPriceCents: 4900,
      currency: 'EUR',
    };

    const charges = computeCharges(sub);

    expect(charges).toEqual({
      currency: 'EUR',
      remainingCents: 4900,
      refundCents: 0,
      lines: [
        {
          description: 'Monthly period 2026-01-15 to 2026-02-15',
          periodStart: '2026-01-15T00:00:00.000Z',
          periodEnd: '2026-02-15T00:00:00.000Z',
          amountCents: 4900,
        },
      ],
    });
  });

  it('never refunds, whatever the plan (P15)', () => {
    const monthly = computeCharges({
      billing: 'monthly',
      currentPeriodStart: utc('2026-04-01T00:00:00.000Z'),
      currentPeriodEnd: utc('2026-05-01T00:00:00.000Z'),
      contractEnd: null,
      monthlyPriceCents: 1000,
      currency: 'USD',
    });
    const contract = computeCharges(fixedTerm(utc('2026-04-01T00:00:00.000Z'), utc('2027-04-01T00:00:00.000Z'), 1000));
    expect(monthly.refundCents).toBe(0);
    expect(contract.refundCents).toBe(0);
    expect(monthly.currency).toBe('USD');
    expect(contract.remainingCents).toBe(12 * 1000);
  });

  it('steps each period from the anchor, so periods starting on the 31st do not drift (P14)', () => {
    const charges = computeCharges(fixedTerm(utc('2026-01-31T00:00:00.000Z'), utc('2026-05-31T00:00:00.000Z'), 100));
    expect(charges.lines.map((l) => l.description)).toEqual([
      'Monthly period 2026-01-31 to 2026-02-28',
      'Monthly period 2026-02-28 to 2026-03-31',
      'Monthly period 2026-03-31 to 2026-04-30',
      'Monthly period 2026-04-30 to 2026-05-31',
    ]);
    expect(charges.remainingCents).toBe(400);
  });

  it('bills a short final period at the full monthly price rather than prorating it (P13, P14)', () => {
    const charges = computeCharges(fixedTerm(utc('2026-01-01T00:00:00.000Z'), utc('2026-03-15T00:00:00.000Z'), 3000));
    expect(charges.lines).toHaveLength(3);
    expect(charges.lines[2]).toEqual({
      description: 'Monthly period 2026-03-01 to 2026-03-15',
      periodStart: '2026-03-01T00:00:00.000Z',
      periodEnd: '2026-03-15T00:00:00.000Z',
      amountCents: 3000,
    });
    expect(charges.remainingCents).toBe(9000);
  });

  it('includes the leap day in a February period of a leap year (P14)', () => {
    const charges = computeCharges(fixedTerm(utc('2028-01-31T00:00:00.000Z'), utc('2028-03-31T00:00:00.000Z'), 500));
    expect(charges.lines.map((l) => [l.periodStart, l.periodEnd])).toEqual([
      ['2028-01-31T00:00:00.000Z', '2028-02-29T00:00:00.000Z'],
      ['2028-02-29T00:00:00.000Z', '2028-03-31T00:00:00.000Z'],
    ]);
  });

  it('crosses a year boundary without losing a month (P14)', () => {
    const charges = computeCharges(fixedTerm(utc('2025-11-15T00:00:00.000Z'), utc('2026-02-15T00:00:00.000Z'), 700));
    expect(charges.lines.map((l) => l.description)).toEqual([
      'Monthly period 2025-11-15 to 2025-12-15',
      'Monthly period 2025-12-15 to 2026-01-15',
      'Monthly period 2026-01-15 to 2026-02-15',
    ]);
    expect(charges.remainingCents).toBe(2100);
  });

  it('bills nothing when the effective date is not after the current period start (P14, P15)', () => {
    const at = utc('2026-06-01T00:00:00.000Z');
    for (const contractEnd of [at, utc('2026-05-01T00:00:00.000Z')]) {
      expect(computeCharges(fixedTerm(at, contractEnd, 4900))).toEqual({
        currency: 'EUR',
        remainingCents: 0,
        refundCents: 0,
        lines: [],
      });
    }
  });

  it('produces lines that survive a JSON round trip unchanged, as Temporal payloads must (P16)', () => {
    const charges = computeCharges(fixedTerm(utc('2026-01-01T00:00:00.000Z'), utc('2026-04-01T00:00:00.000Z'), 1200));
    expect(JSON.parse(JSON.stringify(charges))).toEqual(charges);
  });

  it('refuses invalid dates instead of silently billing nothing (P14)', () => {
    const valid = utc('2026-04-01T00:00:00.000Z');
    const invalid = new Date('nope');
    expect(() => computeCharges(fixedTerm(invalid, valid, 1200))).toThrow(RangeError);
    expect(() => computeCharges(fixedTerm(valid, invalid, 1200))).toThrow(RangeError);
  });
});
