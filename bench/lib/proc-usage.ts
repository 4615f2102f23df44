/**
 * CPU and memory of a child process, from Linux's /proc (proc(5)). The parsers are pure; the
 * meter reads /proc/<pid>/stat at the start and end of a run and samples VmRSS meanwhile.
 * Off Linux every value is `null` (unknown), never 0.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ProcessUsage } from './types.js';

/** utime + stime in clock ticks, from the text of /proc/<pid>/stat. */
export function parseProcStatTicks(text: string): number | null {
  // Field 2 (comm) is in parentheses and may hold spaces or ')'; fields after the last ')' are
  // state (3), ..., utime (14), stime (15).
  const close = text.lastIndexOf(')');
  if (close === -1) return null;
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) && rest.length > 12 ? utime + stime : null;
}

/** A `Key:   123 kB` line of /proc/<pid>/status, in bytes. */
export function parseStatusKb(text: string, key: 'VmRSS' | 'VmHWM'): number | null {
  const m = new RegExp(`^${key}:\\s+(\\d+)\\s+kB$`, 'm').exec(text);
  return m === null ? null : Number(m[1]) * 1024;
}

let clockTicks: number | undefined;

/** USER_HZ; 100 on every mainstream Linux, asked of getconf in case. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
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
  return ticks === null ? null : ticks / ticksPerSecond();
}

export function rssBytesOf(pid: number, key: 'VmRSS' | 'VmHWM' = 'VmRSS'): number | null {
  const text = read(`/proc/${pid}/status`);
  return text === null ? null : parseStatusKb(text, key);
}

/** Measures one process over a run: CPU seconds spent and peak RSS seen. */
export class UsageMeter {
  readonly #pid: number;
  readonly #cpuAtStart: number | null;
  readonly #timer: NodeJS.Timeout;
  #peakRss: number | null = null;

  constructor(pid: number, sampleMs = 250) {
    this.#pid = pid;
    this.#cpuAtStart = cpuSecondsOf(pid);
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), sampleMs);
    this.#timer.unref();
  }

  #sample(): void {
    const rss = rssBytesOf(this.#pid);
    if (rss !== null) this.#peakRss = Math.max(this.#peakRss ?? 0, rss);
  }

  /** Call while the process is still alive. */
  stop(): ProcessUsage {
    clearInterval(this.#timer);
    this.#sample();
    const end = cpuSecondsOf(this.#pid);
    return {
      cpuSeconds: end === null || this.#cpuAtStart === null ? null : Math.max(0, end - this.#cpuAtStart),
      rssBytes: this.#peakRss,
    };
  }
}
