import { describe, expect, it } from 'vitest';
import { parsePrometheusStep, parsePrometheusStepNs } from '../../../src/query/step.js';

describe('parsePrometheusStep (API parseDuration, engine milliseconds)', () => {
  it.each([
    ['15', 15_000],
    ['15.0', 15_000],
    ['15s', 15_000],
    ['15000ms', 15_000],
    ['1.5e1', 15_000],
    ['1.5', 1_500],
    ['0.001', 1],
    ['1m', 60_000],
    ['0', 0],
    ['0s', 0],
    ['-15', -15_000], // a float may be negative; queryRange then refuses step <= 0
    ['0x1p4', 16_000],
    ['1.0005', 1_000], // the engine truncates to whole milliseconds
    ['-1.0005', -1_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parsePrometheusStep(text)).toBe(ms);
  });

  it('keeps nanoseconds where the API does', () => {
    expect(parsePrometheusStepNs('1.0005')).toBe(1_000_500_000n);
    expect(parsePrometheusStepNs('0.0000005')).toBe(500n);
    expect(parsePrometheusStepNs('1m30s')).toBe(90_000_000_000n);
  });

  it.each(['', 'abc', '-15s', '15 s', 'Inf', '-Inf', 'NaN', '1e10', '9223372036.854775808', '300y', '1e400'])(
    'rejects %j as Prometheus answers 400',
    (text) => {
      expect(parsePrometheusStep(text)).toBeUndefined();
    },
  );

  it('accepts up to the int64 nanosecond bound', () => {
    expect(parsePrometheusStepNs('9223372036')).toBe(9_223_372_036_000_000_000n);
    expect(parsePrometheusStepNs('292y')).toBe(292n * 365n * 86_400n * 1_000_000_000n);
  });
});
