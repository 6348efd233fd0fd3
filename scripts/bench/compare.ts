/**
 * What `npm run bench:ab` reports: for each measure, the runs of the two variants side by side, their means
 * and ranges, and whether the difference stands out from the spread between runs of the same variant.
 *
 * On the 2-core machine, eight runs of one configuration on 2026-12-08 finished the month end in 47.2–57.9 s
 * (README, "2026-12-08"): a pair of runs cannot resolve a change of a few per cent. A difference is called
 * resolved here when its 95 % interval (Welch's t: the difference of the means ± t × its standard error, with
 * the Welch–Satterthwaite degrees of freedom) excludes zero.
 */

/** One results file of `npm run bench` (the fields compared). */
export interface BenchResult {
  settings?: { levels?: number[] };
  levels: {
    clients: number;
    /** The API's rate and p99 against the ceiling's, as the benchmark computed them. */
    ratio: number;
    p99Ratio: number;
    api: { cpuMsPerRequest: { api: number; worker: number; server: number } };
  }[];
  burst: {
    lastCompletedAfterS: number;
    cpuMsPerDeactivation: { worker: number; server: number };
    cacheMisses: number | null;
  };
}

export interface Measure {
  name: string;
  /** Whether a larger value is better (rates, ratios) or worse (times, CPU). */
  higherIsBetter: boolean;
  of(r: BenchResult): number | undefined;
}

/** The measures compared: per level, the ratio to the ceiling and the CPU per request; the month end. */
export function measuresOf(levels: number[]): Measure[] {
  const at = (r: BenchResult, clients: number) => r.levels.find((l) => l.clients === clients);
  const perLevel = levels.flatMap((c): Measure[] => [
    { name: `ratio at ${c}`, higherIsBetter: true, of: (r) => at(r, c)?.ratio },
    { name: `p99 ÷ ceiling's at ${c}`, higherIsBetter: false, of: (r) => at(r, c)?.p99Ratio },
    ...(['api', 'worker', 'server'] as const).map((p) => ({
      name: `${p} CPU ms/request at ${c}`,
      higherIsBetter: false,
      of: (r: BenchResult) => at(r, c)?.api.cpuMsPerRequest[p],
    })),
  ]);
  return [
    ...perLevel,
    { name: 'month end: last after (s)', higherIsBetter: false, of: (r) => r.burst.lastCompletedAfterS },
    ...(['worker', 'server'] as const).map((p) => ({
      name: `${p} CPU ms/deactivation`,
      higherIsBetter: false,
      of: (r: BenchResult) => r.burst.cpuMsPerDeactivation[p],
    })),
    { name: 'workflow cache misses', higherIsBetter: false, of: (r) => r.burst.cacheMisses ?? undefined },
  ];
}

export interface Spread {
  n: number;
  mean: number;
  min: number;
  max: number;
  /** Sample standard deviation (0 for a single run). */
  sd: number;
}

export function spreadOf(values: number[]): Spread {
  const n = values.length;
  if (n === 0) throw new RangeError('no values');
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { n, mean, min: Math.min(...values), max: Math.max(...values), sd };
}

export interface Comparison {
  name: string;
  a: Spread;
  b: Spread;
  /** b's mean minus a's, and as a share of a's mean. */
  difference: number;
  relative: number;
  /** Half the difference's 95 % interval (Welch's t); NaN when either side has a single run. */
  margin: number;
  verdict: 'better' | 'worse' | 'not resolved';
}

/** Student's t at 97.5 % (a two-sided 95 % interval) for 1–30 degrees of freedom; 1.96 beyond. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** t at 97.5 % for `df` degrees of freedom (rounded down, so the interval errs on the wide side). */
export function tQuantile975(df: number): number {
  if (!(df >= 1)) return NaN;
  const whole = Math.floor(df);
  return whole <= T975.length ? T975[whole - 1] : 1.96;
}

/** Half the 95 % interval of b's mean minus a's (Welch's t, Welch–Satterthwaite degrees of freedom). */
export function welchMargin(a: Spread, b: Spread): number {
  if (a.n < 2 || b.n < 2) return NaN;
  const va = a.sd ** 2 / a.n;
  const vb = b.sd ** 2 / b.n;
  if (va + vb === 0) return 0;
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  return tQuantile975(df) * Math.sqrt(va + vb);
}

/** B against A for each measure both variants report. */
export function compare(a: BenchResult[], b: BenchResult[], measures: Measure[]): Comparison[] {
  return measures.flatMap((m) => {
    const va = a.map(m.of).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    const vb = b.map(m.of).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (!va.length || !vb.length) return [];
    const sa = spreadOf(va);
    const sb = spreadOf(vb);
    const difference = sb.mean - sa.mean;
    const margin = welchMargin(sa, sb);
    // No spread on either side (or a single run) says nothing about the noise: never resolved.
    const resolved = Number.isFinite(margin) && margin > 0 && Math.abs(difference) > margin;
    const verdict: Comparison['verdict'] = !resolved
      ? 'not resolved'
      : difference > 0 === m.higherIsBetter
        ? 'better'
        : 'worse';
    const relative = sa.mean === 0 ? NaN : difference / sa.mean;
    return [{ name: m.name, a: sa, b: sb, difference, relative, margin, verdict }];
  });
}

const fmt = (v: number) => (Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

/** A Markdown table: one row per measure, B against A. */
export function comparisonTable(rows: Comparison[], names: { a: string; b: string }): string {
  const cell = (s: Spread) => `${fmt(s.mean)} (${fmt(s.min)}–${fmt(s.max)})`;
  const lines = [
    `| Measure | ${names.a}: mean (range) | ${names.b}: mean (range) | ${names.b} − ${names.a} | ± (95 %) | Verdict |`,
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${cell(r.a)} | ${cell(r.b)} | ${fmt(r.difference)}${Number.isFinite(r.relative) ? ` (${(100 * r.relative).toFixed(1)} %)` : ''} | ${
          Number.isFinite(r.margin) ? fmt(r.margin) : '–'
        } | ${r.verdict} |`,
    ),
  ];
  return lines.join('\n');
}
