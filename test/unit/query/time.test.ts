import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  formatPrometheusTime,
  MAX_TIME_FORMATTED,
  MAX_TIME_MS,
  MAX_TIME_NS,
  MIN_TIME_FORMATTED,
  MIN_TIME_MS,
  MIN_TIME_NS,
  parsePrometheusTime,
  parsePrometheusTimeNs,
} from '../../../src/query/time.js';

describe('parsePrometheusTime (web/api/v1/api.go parseTime)', () => {
  it.each([
    // Unix seconds, fraction rounded to the millisecond.
    ['0', 0],
    ['1700000000', 1_700_000_000_000],
    ['1700000000.000', 1_700_000_000_000],
    ['1700000000.123', 1_700_000_000_123],
    ['1700000000.1234', 1_700_000_000_123],
    ['1700000000.1235', 1_700_000_000_124],
    ['1700000000.9999', 1_700_000_001_000],
    ['1.7e9', 1_700_000_000_000],
    ['1562529662.324', 1_562_529_662_324],
    ['-1.5', -1_500],
    ['-0.0005', -1], // math.Round rounds half away from zero
    ['0.0005', 1],
    ['0x1p4', 16_000],
    ['1_700_000_000', 1_700_000_000_000],
    // RFC3339Nano, any offset, fraction truncated to the engine millisecond.
    ['2023-11-14T22:13:20Z', 1_700_000_000_000],
    ['2023-11-15T00:13:20+02:00', 1_700_000_000_000],
    ['2023-11-14T22:13:20.123456789Z', 1_700_000_000_123],
    ['2023-11-14T22:13:20.1239999999999Z', 1_700_000_000_123],
    ['2023-11-14T22:13:20,5Z', 1_700_000_000_500], // Go's general parser takes a comma too
    ['2023-11-14T8:13:20-14:00', 1_700_000_000_000], // and a one-digit hour
    ['2019-07-07T20:47:40+03:00', 1_562_521_660_000],
    ['2024-02-29T00:00:00Z', 1_709_164_800_000],
    ['1970-01-01T00:00:00Z', 0],
    ['1969-12-31T23:59:59.9995Z', 0], // UnixNano()/1e6 truncates toward zero
    ['0000-01-01T00:00:00Z', -62_167_219_200_000],
    ['9999-12-31T23:59:59.999Z', 253_402_300_799_999],
    ['2026-01-01T00:00:00+24:00', 1_767_139_200_000], // the general parser allows hour 24 in offsets
  ])('%s → %d', (text, ms) => {
    expect(parsePrometheusTime(text)).toBe(ms);
  });

  it('reads the min and max time texts Prometheus and its clients send', () => {
    expect(parsePrometheusTime(MIN_TIME_FORMATTED)).toBe(MIN_TIME_MS);
    expect(parsePrometheusTime(MAX_TIME_FORMATTED)).toBe(MAX_TIME_MS);
    expect(parsePrometheusTimeNs('-292273086-05-16T16:47:06Z')).toBe(-9_223_309_901_257_974n * 1_000_000_000n);
    expect(parsePrometheusTimeNs('292277025-08-18T07:12:54.999999999Z')).toBe(9_223_309_901_257_974_999_999_999n);
    // The float spelling of MinTime's second is the same instant.
    expect(parsePrometheusTimeNs('-9223309901257974')).toBe(MIN_TIME_NS);
    expect(MAX_TIME_NS > 0n).toBe(true);
  });

  it.each([
    '', ' 1', '1 ', 'now', 'NaN', 'Inf', '-Inf', '+infinity', '1e400', '1e20',
    '2023-11-14', '2023-11-14T22:13:20', '2023-11-14 22:13:20Z', '2023-11-14t22:13:20Z', '2023-11-14T22:13:20z',
    '2023-02-29T00:00:00Z', '2024-04-31T00:00:00Z', '2023-13-01T00:00:00Z', '2023-00-01T00:00:00Z',
    '2023-11-14T24:00:00Z', '2023-11-14T22:60:00Z', '2023-11-14T22:13:60Z', '2023-11-14T22:13:20.Z',
    '2023-11-14T22:13:20+2:00', '2023-11-14T22:13:20+0200', '2023-11-14T22:13:20+25:00', '2023-11-14T22:13:20+02:61',
    '23-11-14T22:13:20Z', '+2023-11-14T22:13:20Z', '-292273086-05-16T16:47:06.000Z',
  ])('rejects %j', (text) => {
    expect(parsePrometheusTime(text)).toBeUndefined();
  });

  it('formats milliseconds to text parseTime reads back to the same millisecond', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => {
        expect(parsePrometheusTime(formatPrometheusTime(ms))).toBe(ms);
      }),
    );
    expect(formatPrometheusTime(1_700_000_000_120)).toBe('1700000000.12');
    expect(formatPrometheusTime(-1_500)).toBe('-1.5');
    expect(formatPrometheusTime(MIN_TIME_MS)).toBe(MIN_TIME_FORMATTED);
    expect(formatPrometheusTime(MAX_TIME_MS)).toBe(MAX_TIME_FORMATTED);
  });

  it('gives unix seconds and RFC3339 of the same instant the same milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (ms) => {
        const iso = new Date(ms).toISOString();
        expect(parsePrometheusTime(iso)).toBe(ms);
        expect(parsePrometheusTime((ms / 1000).toFixed(3))).toBe(ms);
      }),
    );
  });
});
