import { describe, expect, it } from 'vitest';
import { cpuSecondsOf, measureUsage, parseProcStatTicks, parseStatusKb, peakRssBytesOf } from '../../../bench/lib/proc-usage.js';

describe('parseProcStatTicks', () => {
  it('adds utime and stime (fields 14 and 15)', () => {
    const stat = '1234 (node) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 11 0 500 1000 300';
    expect(parseProcStatTicks(stat)).toBe(325);
  });

  it('survives a comm with spaces and parentheses', () => {
    const stat = '99 (my (odd) proc) R 1 99 99 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 1 1 1';
    expect(parseProcStatTicks(stat)).toBe(10);
  });

  it('says unknown for text it cannot read', () => {
    expect(parseProcStatTicks('garbage')).toBeNull();
    expect(parseProcStatTicks('1 (x) S 1 2')).toBeNull();
  });
});

describe('parseStatusKb', () => {
  const status = 'Name:\tnode\nVmPeak:\t  900 kB\nVmHWM:\t   2048 kB\nVmRSS:\t   1024 kB\n';
  it('reads VmRSS and VmHWM in bytes', () => {
    expect(parseStatusKb(status, 'VmRSS')).toBe(1024 * 1024);
    expect(parseStatusKb(status, 'VmHWM')).toBe(2048 * 1024);
    expect(parseStatusKb('Name: x\n', 'VmRSS')).toBeNull();
  });
});

describe.runIf(process.platform === 'linux')('on this process', () => {
  it('reads our own CPU and peak RSS', () => {
    expect(cpuSecondsOf(process.pid)).toBeGreaterThan(0);
    expect(peakRssBytesOf(process.pid)).toBeGreaterThan(1024 * 1024);
    const usage = measureUsage(process.pid)();
    expect(usage.cpuSeconds).toBeGreaterThanOrEqual(0);
    expect(usage.rssBytes).toBeGreaterThan(0);
  });

  it('a process that is gone is unknown, not zero', () => {
    expect(cpuSecondsOf(2 ** 30)).toBeNull();
    expect(peakRssBytesOf(2 ** 30)).toBeNull();
    expect(measureUsage(2 ** 30)()).toEqual({ cpuSeconds: null, rssBytes: null });
  });
});
