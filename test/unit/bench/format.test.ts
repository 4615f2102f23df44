import { describe, expect, it } from 'vitest';
import { benchCommand, formatBytes, formatCount, formatMeasured, formatMs, formatRatio, formatRps, formatShare, shellWord } from '../../../bench/lib/format.js';

describe('report number formats', () => {
  it.each([
    [formatMs, 0.4249, '0.42 ms'],
    [formatMs, 12.34, '12.3 ms'],
    [formatMs, 456.7, '457 ms'],
    [formatMs, 1234, '1.23 s'],
    [formatMs, null, '–'],
    [formatMs, NaN, '–'],
    [formatCount, 1234567, '1,234,567'],
    [formatCount, -1234, '-1,234'],
    [formatCount, 12.34, '12.3'],
    [formatCount, 0, '0'],
    [formatRps, 2400.4, '2,400'],
    [formatRps, 96, '96.0'],
    [formatRatio, 23.44, '23.4x'],
    [formatRatio, 0.953, '0.95x'],
    [formatRatio, null, '–'],
    [formatBytes, 512, '512 B'],
    [formatBytes, 95 * 1024 * 1024, '95.0 MiB'],
    [formatBytes, 1.5 * 1024 ** 3, '1.5 GiB'],
    [formatBytes, 300 * 1024, '300 KiB'],
    [formatShare, 0.0123, '1.23%'],
    [formatShare, 0.00042, '0.042%'],
    [formatShare, 1.0023, '100.2%'],
    [formatShare, 0, '0%'],
    [formatShare, null, '–'],
  ] as const)('%o(%s) = %s', (fn, v, want) => {
    expect((fn as (v: number | null) => string)(v)).toBe(want);
  });

  it('formats measured goal values', () => {
    expect(formatMeasured(25, 'x')).toBe('25.0x');
    expect(formatMeasured(812.5, ' ms')).toBe('813 ms');
    expect(formatMeasured(0.5, ' s')).toBe('0.500 s');
    expect(formatMeasured(0.000231)).toBe('0.000231');
    expect(formatMeasured(0.2)).toBe('0.200');
    expect(formatMeasured(null)).toBe('not measured');
  });
});

describe('the command line in the report', () => {
  it('quotes only what the shell would split or expand', () => {
    expect(shellWord('--duration')).toBe('--duration');
    expect(shellWord('http://pg:9099/prometheus')).toBe('http://pg:9099/prometheus');
    expect(shellWord('miss,dashboard')).toBe('miss,dashboard');
    expect(shellWord('ssh prom-2 systemctl stop prometheus')).toBe("'ssh prom-2 systemctl stop prometheus'");
    expect(shellWord("it's")).toBe("'it'\\''s'");
    expect(shellWord('$HOME')).toBe("'$HOME'");
    expect(shellWord('')).toBe("''");
  });

  it('is npm run bench with the arguments after --', () => {
    expect(benchCommand([])).toBe('npm run bench');
    expect(benchCommand(['--scenarios', 'dashboard', '--duration', '5s'])).toBe('npm run bench -- --scenarios dashboard --duration 5s');
  });
});
