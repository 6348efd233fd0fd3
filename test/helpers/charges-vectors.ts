import fs from 'node:fs';
import path from 'node:path';
import type { Billing, Charges } from '../../domain/types';

/**
 * The worked cases of API.md's charges rule, read at run time from ../shared/charges-vectors.json (beside
 * the clone, as CI places it; SHARED_DIR overrides), never copied into the repository.
 */
export interface ChargesVector {
  name: string;
  subscription: {
    monthlyPriceCents: number;
    currency: string;
    contractStart: string | null;
    contractEnd: string | null;
    billing: Billing;
    currentPeriodStart: string;
    currentPeriodEnd: string;
  };
  acceptedAt: string;
  expected: {
    effectiveAt: string;
    takesEffectAtOnce: boolean;
    charges: Omit<Charges, 'lines'> & { lines: { periodStart: string; periodEnd: string; amountCents: number }[] };
  };
}

export const chargesVectorsPath = (): string =>
  path.join(process.env.SHARED_DIR ?? path.resolve(__dirname, '..', '..', '..', 'shared'), 'charges-vectors.json');

export function loadChargesVectors(): ChargesVector[] {
  const file = chargesVectorsPath();
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: the tests read the shared worked cases from there`);
  const vectors = JSON.parse(fs.readFileSync(file, 'utf8')) as ChargesVector[];
  if (!Array.isArray(vectors) || vectors.length === 0) throw new Error(`${file} holds no vectors`);
  return vectors;
}

/** A vector's terms as the domain takes them. */
export function vectorTerms(v: ChargesVector) {
  const s = v.subscription;
  return {
    billing: s.billing,
    currentPeriodStart: new Date(s.currentPeriodStart),
    currentPeriodEnd: new Date(s.currentPeriodEnd),
    contractEnd: s.contractEnd === null ? null : new Date(s.contractEnd),
    monthlyPriceCents: s.monthlyPriceCents,
    currency: s.currency,
  };
}

/** `description` is free text (API.md): compare everything else. */
export const withoutDescriptions = (charges: Charges) => ({
  ...charges,
  lines: charges.lines.map(({ description: _d, ...line }) => line),
});
