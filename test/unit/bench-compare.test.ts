/**
 * `npm run bench:ab`'s comparison (scripts/bench/compare.ts): when a difference between two variants stands out
 * from the spread between runs of each, and when it does not.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  compare,
  comparisonTable,
  measuresOf,
  spreadOf,
  tQuantile975,
  welchMargin,
  type BenchResult,
} from '../../scripts/bench/compare';
import { parseAssignments, resultsFileOf } from '../../scripts/bench-ab';

/** A results file with the compared fields only. */
function result(o: { perSecond?: number; ceiling?: number; lastAfter: number; workerMs?: number }): BenchResult {
  return {
    settings: { levels: [8] },
    levels: [
      {
        clients: 8,
        ratio: (o.perSecond ?? 40) / (o.ceiling ?? 60),
        p99Ratio: 1.1,
        api: { cpuMsPerRequest: { api: 7, worker: 20, server: 15 } },
      },
    ],
    burst: {
      lastCompletedAfterS: o.lastAfter,
      cpuMsPerDeactivation: { worker: o.workerMs ?? 20, server: 22 },
      cacheMisses: 400,
    },
  };
}
const byName = (rows: ReturnType<typeof compare>, name: string) => rows.find((r) => r.name === name)!;

it('gives the mean, range and sample standard deviation', () => {
  expect(spreadOf([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ n: 8, mean: 5, min: 2, max: 9, sd: Math.sqrt(32 / 7) });
  expect(spreadOf([3]).sd).toBe(0);
  expect(() => spreadOf([])).toThrow(RangeError);
});

it("gives half the 95 % interval by Welch's t (Welch–Satterthwaite degrees of freedom)", () => {
  // Equal spreads, 3 runs a side: 4 degrees of freedom, t = 2.776, standard error sqrt(1/3 + 1/3).
  const three = spreadOf([1, 2, 3]);
  expect(welchMargin(three, three)).toBeCloseTo(2.776 * Math.sqrt(2 / 3), 6);
  // Unequal: the degrees of freedom fall towards the noisier side's (here about 2: t = 4.303).
  const noisy = spreadOf([0, 10, 20]);
  const quiet = spreadOf([5, 5.1, 5.2, 5.3, 5.4, 5.5, 5.6, 5.7]);
  expect(welchMargin(quiet, noisy)).toBeCloseTo(4.303 * Math.sqrt(quiet.sd ** 2 / 8 + 100 / 3), 1);
  expect(welchMargin(spreadOf([1]), three)).toBeNaN();
  expect(welchMargin(spreadOf([2, 2]), spreadOf([3, 3]))).toBe(0);
  expect([tQuantile975(1), tQuantile975(4.9), tQuantile975(30), tQuantile975(500)]).toEqual([
    12.706, 2.776, 2.042, 1.96,
  ]);
});

it('resolves a difference larger than its 95 % interval, in the direction that is better for the measure', () => {
  const a = [50, 51, 52].map((s, i) => result({ lastAfter: s, perSecond: 36 + i }));
  const b = [40, 41, 42].map((s, i) => result({ lastAfter: s, perSecond: 45 - i }));
  const rows = compare(a, b, measuresOf([8]));
  const monthEnd = byName(rows, 'month end: last after (s)');
  expect(monthEnd).toMatchObject({ difference: -10, verdict: 'better' });
  expect(monthEnd.relative).toBeCloseTo(-10 / 51);
  expect(byName(rows, 'ratio at 8')).toMatchObject({ verdict: 'better' });
  // The same runs the other way round: worse.
  expect(byName(compare(b, a, measuresOf([8])), 'month end: last after (s)').verdict).toBe('worse');
});

it('does not resolve a difference within the spread, nor one from single runs or runs without spread', () => {
  const a = [47, 58, 53].map((s) => result({ lastAfter: s }));
  const b = [45, 54, 49].map((s) => result({ lastAfter: s }));
  expect(byName(compare(a, b, measuresOf([8])), 'month end: last after (s)').verdict).toBe('not resolved');
  const single = compare([result({ lastAfter: 50 })], [result({ lastAfter: 30 })], measuresOf([8]));
  expect(byName(single, 'month end: last after (s)')).toMatchObject({ verdict: 'not resolved' });
  expect(Number.isNaN(byName(single, 'month end: last after (s)').margin)).toBe(true);
  const flat = compare(
    [50, 50].map((s) => result({ lastAfter: s })),
    [40, 40].map((s) => result({ lastAfter: s })),
    measuresOf([8]),
  );
  expect(byName(flat, 'month end: last after (s)')).toMatchObject({ margin: 0, verdict: 'not resolved' });
});

it('skips a measure a variant does not report (a level it did not run)', () => {
  const rows = compare([result({ lastAfter: 50 })], [result({ lastAfter: 50 })], measuresOf([8, 32]));
  expect(rows.some((r) => r.name === 'ratio at 32')).toBe(false);
  expect(rows.some((r) => r.name === 'ratio at 8')).toBe(true);
});

it("reads the benchmark's own results files (six runs of one configuration on 2026-12-08, split in two, do not resolve)", () => {
  const dir = path.join(__dirname, '..', '..', 'bench', 'results');
  const read = (f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as BenchResult;
  const first = ['2026-12-08-same-config-1.json', '2026-12-08-same-config-3.json', '2026-12-08-same-config-5.json'];
  const second = ['2026-12-08-same-config-2.json', '2026-12-08-same-config-4.json', '2026-12-08-same-config-6.json'];
  const rows = compare(first.map(read), second.map(read), measuresOf([8]));
  expect(rows.map((r) => r.name)).toContain('month end: last after (s)');
  for (const row of rows) expect([row.name, row.verdict]).toEqual([row.name, 'not resolved']);
  const table = comparisonTable(rows, { a: 'odd', b: 'even' });
  expect(table.split('\n')).toHaveLength(rows.length + 2);
  expect(table).toContain('| month end: last after (s) |');
});

it('finds the results file the benchmark names on stderr, and nothing in other lines', () => {
  const stderr = [
    '[bench] burst: waiting for 100 deactivations',
    '[bench] written bench/results/2026-12-08-ab-0140-plain-1.json; the whole run took 56.2 s',
  ].join('\n');
  expect(resultsFileOf(stderr)).toBe('bench/results/2026-12-08-ab-0140-plain-1.json');
  expect(resultsFileOf('a worker line: written bench/results/x.json; elsewhere')).toBeUndefined();
  expect(resultsFileOf('[bench] starting the stack')).toBeUndefined();
});

it('reads a variant as KEY=VALUE pairs or as JSON', () => {
  expect(parseAssignments('WORKER_MAX_CACHED_WORKFLOWS=2500 BENCH_DEV_SERVER_ARGS=--x=a=b')).toEqual({
    WORKER_MAX_CACHED_WORKFLOWS: '2500',
    BENCH_DEV_SERVER_ARGS: '--x=a=b',
  });
  expect(parseAssignments('')).toEqual({});
  expect(parseAssignments('{"BENCH_DEV_SERVER_ARGS": "--a 1 --b 2"}')).toEqual({
    BENCH_DEV_SERVER_ARGS: '--a 1 --b 2',
  });
  expect(() => parseAssignments('NOEQUALS')).toThrow(/KEY=VALUE/);
  expect(() => parseAssignments('{"A": 1}')).toThrow(/strings/);
});
