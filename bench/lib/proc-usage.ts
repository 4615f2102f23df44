/**
 * CPU and peak memory of a child process, from Linux's /proc (proc(5)). The parsers are pure.
 * Off Linux, or once the process is gone, every value is `null` (unknown), never 0.
 */
import { readFileSync } from 'node:fs';
import type { ProcessUsage } from './types.js';

/** sysconf(_SC_CLK_TCK): the unit of /proc/<pid>/stat times, 100 on the user ABI of every mainstream Linux architecture. */
const USER_HZ = 100;

/** utime + stime in clock ticks, from the text of /proc/<pid>/stat. */
export function parseProcStatTicks(text: string): number | null {
  // Field 2 (comm) is in parentheses and may hold spaces or ')'; fields after the last ')' are
  // state (3), ..., utime (14), stime (15).
  const rest = text.slice(text.lastIndexOf(')') + 1).trim().split(/\s+/);
  const ticks = Number(rest[11]) + Number(rest[12]);
  return text.includes(')') && rest.length > 12 && Number.isFinite(ticks) ? ticks : null;
}

/** A `Key:   123 kB` line of /proc/<pid>/status, in bytes. */
export function parseStatusKb(text: string, key: 'VmRSS' | 'VmHWM'): number | null {
  const m = new RegExp(`^${key}:\\s+(\\d+)\\s+kB$`, 'm').exec(text);
  return m === null ? null : Number(m[1]) * 1024;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

export function cpuSecondsOf(pid: number): number | null {
  const text = read(`/proc/${pid}/stat`);
  const ticks = text === null ? null : parseProcStatTicks(text);
  return ticks === null ? null : ticks / USER_HZ;
}

/** VmHWM: the peak resident set size since the process started. */
export function peakRssBytesOf(pid: number): number | null {
  const text = read(`/proc/${pid}/status`);
  return text === null ? null : parseStatusKb(text, 'VmHWM');
}

/** Starts measuring a process; the returned function, called while it still runs, gives the CPU spent since and its peak RSS. */
export function measureUsage(pid: number): () => ProcessUsage {
  const cpuAtStart = cpuSecondsOf(pid);
  return () => {
    const cpuAtEnd = cpuSecondsOf(pid);
    return {
      cpuSeconds: cpuAtEnd === null || cpuAtStart === null ? null : Math.max(0, cpuAtEnd - cpuAtStart),
      rssBytes: peakRssBytesOf(pid),
    };
  };
}
