import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseGoFloat } from '../../../src/query/go-float.js';

// Cases from Go's src/strconv/atof_test.go, which Prometheus's parseTime/parseDuration run first.
describe('parseGoFloat mirrors strconv.ParseFloat(s, 64)', () => {
  it.each([
    ['0', 0],
    ['+1', 1],
    ['-1', -1],
    ['1.', 1],
    ['.5', 0.5],
    ['-.5', -0.5],
    ['1e23', 1e23],
    ['1E+2', 100],
    ['1e-2', 0.01],
    ['1700000000.123', 1700000000.123],
    ['1_23.50_0_0e+1_2', 1.235e14],
    ['1e-400', 0], // underflow is 0 without error
    ['0e99999999999', 0],
    ['0x1p-2', 0.25],
    ['0X1P+4', 16],
    ['0x1.8p1', 3],
    ['0x.8p1', 1],
    ['0x_1_2.3_4_5p+1_2', 74565],
    ['0x1.fffffffffffffp1023', 1.7976931348623157e308],
    ['0x1.00000000000018p0', 1.0000000000000004], // ties to even
    ['inf', Infinity],
    ['+Inf', Infinity],
    ['-infinity', -Infinity],
    ['INFINITY', Infinity],
  ])('%s → %d', (text, want) => {
    expect(parseGoFloat(text)).toBe(want);
  });

  it('reads nan in any case, unsigned only', () => {
    expect(parseGoFloat('NaN')).toBeNaN();
    expect(parseGoFloat('nan')).toBeNaN();
    expect(parseGoFloat('+nan')).toBeUndefined();
    expect(parseGoFloat('-NaN')).toBeUndefined();
  });

  it.each([
    '', ' 1', '1 ', '+', '-', '.', 'e1', '1e', '1e+', '1x', '1.1.', '0x', '0x1', '0x1.8', '0xp1', '0b1', '0o7',
    '_123.5e+12', '-_123.5e+12', '1__23.5e+12', '123_.5e+12', '123._5e+12', '123.5_e+12', '123.5e_+12', '123.5e+_12',
    '123.5e+12_', '0x12.345p+12_', '0x12_.345p+12', 'infin', 'infinit', 'infinityx', 'nan(1)', 'Infinity1',
    '1e309', '-1.7976931348623159e308', '0x1p1024', '1,5', '١',
  ])('rejects %j', (text) => {
    expect(parseGoFloat(text)).toBeUndefined();
  });

  it('agrees with Number() on every finite double written the usual ways', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(parseGoFloat(String(x)) === x).toBe(true); // String(-0) is "0"
        expect(parseGoFloat(x.toExponential()) === x).toBe(true);
      }),
    );
  });
});
