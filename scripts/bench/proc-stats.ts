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
