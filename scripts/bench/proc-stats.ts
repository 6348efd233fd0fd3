/**
 * CPU and memory of a process from /proc (Linux), for the benchmark's report: CPU as the share of one
 * core used between two samples, RSS as the kernel reports it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface CpuSample {
  ticks: number;
  at: number;
}

/** utime + stime of the process, in clock ticks. */
export function cpuSample(pid: number): CpuSample {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ticks: Number(fields[11]) + Number(fields[12]), at: Date.now() };
}

/** Percent of one core between two samples. */
export function cpuPercent(from: CpuSample, to: CpuSample): number {
  const seconds = (to.at - from.at) / 1000;
  return seconds > 0 ? ((to.ticks - from.ticks) / TICKS_PER_SECOND / seconds) * 100 : 0;
}

/** CPU time of several processes together (a cluster's services), in clock ticks. */
export function cpuSampleOf(pids: number[]): CpuSample {
  const samples = pids.map(cpuSample);
  return { ticks: samples.reduce((sum, s) => sum + s.ticks, 0), at: Date.now() };
}

/** The whole machine's busy and total time from /proc/stat, in clock ticks (every core together). */
export interface MachineSample {
  busy: number;
  total: number;
}

/**
 * Parses /proc/stat's first line, `cpu user nice system idle iowait irq softirq steal guest guest_nice`: idle and
 * iowait are the idle time; guest and guest_nice are already counted in user and nice, so they are left out.
 */
export function parseProcStat(text: string): MachineSample {
  const ticks = text.split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: total - ticks[3] - ticks[4], total };
}

export function machineSample(): MachineSample {
  return parseProcStat(fs.readFileSync('/proc/stat', 'utf8'));
}

/** Percent of the machine's capacity (all its cores) that was busy between two samples. */
export function machineBusyPercent(from: MachineSample, to: MachineSample): number {
  const total = to.total - from.total;
  return total > 0 ? ((to.busy - from.busy) / total) * 100 : 0;
}

/** Resident set size in MB. */
export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** Size in MB of a SQLite database with its WAL and shared-memory files. */
export function sqliteMb(file: string): number {
  return (
    ['', '-wal', '-shm']
      .map((suffix) => (fs.existsSync(file + suffix) ? fs.statSync(file + suffix).size : 0))
      .reduce((a, b) => a + b, 0) / 1_048_576
  );
}

export function machine(): { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string } {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1_073_741_824),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}
