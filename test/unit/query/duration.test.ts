import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatPrometheusDuration, parsePrometheusDuration } from '../../../src/query/duration.js';

describe('parsePrometheusDuration (model.ParseDuration)', () => {
  it.each([
    ['0', 0],
    ['0s', 0],
    ['500ms', 500],
    ['15s', 15_000],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1y', 31_536_000_000],
    ['1h1m1s1ms', 3_661_001],
    ['01s', 1000],
  ])('%s → %d ms', (text, ms) => {
    expect(parsePrometheusDuration(text)).toBe(ms);
  });

  it.each(['', '15', '1.5s', '-1s', '+1s', '1s1m', '1s1s', '1S', ' 1s', '1s ', 's', '1 s', '1sec', '1µs', '1ns'])(
    'rejects %j',
    (text) => {
      expect(parsePrometheusDuration(text)).toBeUndefined();
    },
  );

  it('formats what it parses back to the same milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 365 * 86_400_000 }), (ms) => {
        expect(parsePrometheusDuration(formatPrometheusDuration(ms))).toBe(ms);
      }),
    );
  });
});
