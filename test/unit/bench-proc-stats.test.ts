/**
 * The benchmark's CPU accounting (scripts/bench/proc-stats.ts): the figures the README's CPU budget is built
 * from (each process's share of a core, the machine's busy share, milliseconds per unit of work).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import {
  cpuPercent,
  cpuSample,
  cpuSampleOf,
  machineBusyPercent,
  machineSample,
  parseProcStat,
} from '../../scripts/bench/proc-stats';

describe("the machine's busy time (/proc/stat)", () => {
  it('counts user, nice, system, irq, softirq and steal as busy; idle and iowait as idle; guest not twice', () => {
    // user nice system idle iowait irq softirq steal guest guest_nice
    expect(parseProcStat('cpu  100 10 40 800 50 3 2 5 70 7\ncpu0 50 5 20 400 25 1 1 2 35 3\n')).toEqual({
      busy: 160,
      total: 1010,
    });
  });

  it('gives the busy share of the whole machine between two samples', () => {
    expect(machineBusyPercent({ busy: 1000, total: 4000 }, { busy: 1150, total: 4200 })).toBe(75);
    expect(machineBusyPercent({ busy: 1000, total: 4000 }, { busy: 1000, total: 4000 })).toBe(0);
  });

  // The benchmark runs on Linux only (it reads /proc), as CI does.
  it('reads this machine: busy within total, both growing', () => {
    const a = machineSample();
    const b = machineSample();
    expect(a.busy).toBeGreaterThan(0);
    expect(a.busy).toBeLessThan(a.total);
    expect(b.total).toBeGreaterThanOrEqual(a.total);
    expect(b.busy).toBeGreaterThanOrEqual(a.busy);
  });
});

describe("a process's CPU (/proc/<pid>/stat)", () => {
  it('gives the share of one core between two samples', () => {
    // 1.5 s of CPU in 3 s: half a core.
    const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
    expect(cpuPercent({ ticks: 0, at: 0 }, { ticks: ticksPerSecond * 1.5, at: 3000 })).toBeCloseTo(50, 5);
    expect(cpuPercent({ ticks: 5, at: 1000 }, { ticks: 5, at: 1000 })).toBe(0);
  });

  it('adds up several processes (a cluster is one process per service)', () => {
    // Another process that has used some CPU: the sum must hold both, not one counted twice.
    const other = fs
      .readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
      .map(Number)
      .find((pid) => {
        try {
          return cpuSample(pid).ticks > cpuSample(process.pid).ticks + 1_000;
        } catch {
          return false; // exited meanwhile
        }
      });
    const self = cpuSample(process.pid).ticks;
    const pids = other ? [process.pid, other] : [process.pid];
    const before = pids.map((pid) => cpuSample(pid).ticks).reduce((a, b) => a + b, 0);
    const both = cpuSampleOf(pids).ticks;
    const after = pids.map((pid) => cpuSample(pid).ticks).reduce((a, b) => a + b, 0);
    // Ticks only grow: the sum lies between the sums of the samples taken before and after it.
    expect(both).toBeGreaterThanOrEqual(before);
    expect(both).toBeLessThanOrEqual(after);
    if (other) expect(both).toBeGreaterThan(2 * self);
    expect(cpuSampleOf([]).ticks).toBe(0);
  });
});
