import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalLabels, compareGoStrings, compareLabelSets, seriesKey, sortedLabelNames } from '../../../src/timeseries/index.js';
import { labelSet, labelString } from './arbitraries.js';

/** Go's labels.Compare written with Node's byte comparison of UTF-8, as the reference. */
function goCompare(a: Record<string, string>, b: Record<string, string>): number {
  const bytes = (s: string) => Buffer.from(s, 'utf8');
  const sorted = (m: Record<string, string>) => Object.keys(m).sort((x, y) => Buffer.compare(bytes(x), bytes(y))).map((k) => [k, m[k]!] as const);
  const pa = sorted(a);
  const pb = sorted(b);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const n = Buffer.compare(bytes(pa[i]![0]), bytes(pb[i]![0]));
    if (n !== 0) return n;
    const v = Buffer.compare(bytes(pa[i]![1]), bytes(pb[i]![1]));
    if (v !== 0) return v;
  }
  return pa.length - pb.length;
}

describe('compareGoStrings', () => {
  it.each([
    ['a', 'b', -1],
    ['a', 'a', 0],
    ['a', 'ab', -1],
    ['Z', '_', -1],
    ['_', 'a', -1],
    // UTF-16 order says the astral character is smaller; UTF-8 byte order (Go) says larger.
    ['\u{1F600}', '\uFFFD', 1],
    ['\uFFFD', '\u{1F600}', -1],
    ['\u{1F600}', '\u{1F601}', -1],
    ['é', 'z', 1],
  ])('%j vs %j', (a, b, want) => expect(compareGoStrings(a, b)).toBe(want));

  it('agrees with bytewise UTF-8 comparison', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(compareGoStrings(a, b)).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
    );
  });
});

describe('compareLabelSets (labels.Compare)', () => {
  it.each([
    [{ a: '1' }, { a: '1', b: '1' }, -1], // a prefix sorts first
    [{ a: '2' }, { a: '1', b: '1' }, 1], // pairs compared before lengths
    [{ b: '1' }, { a: '1', c: '1' }, 1], // names before values
    [{ Z: 'x' }, { __name__: 'a' }, -1], // 'Z' (0x5A) < '_' (0x5F)
    [{ __name__: 'up', job: 'a' }, { __name__: 'up', instance: 'z' }, 1],
    [{}, { a: '' }, -1],
    [{ a: '\u{1F600}' }, { a: '\uFFFD' }, 1],
  ])('%o vs %o', (a, b, want) => expect(Math.sign(compareLabelSets(a, b))).toBe(want));

  it('agrees with a byte-level reference', () => {
    fc.assert(
      fc.property(labelSet, labelSet, (a, b) => {
        expect(Math.sign(compareLabelSets(a, b))).toBe(Math.sign(goCompare(a, b)));
      }),
    );
  });
});

describe('seriesKey / canonicalLabels', () => {
  it('is equal exactly for equal label sets, whatever the key order', () => {
    fc.assert(
      fc.property(labelSet, labelSet, (a, b) => {
        const reversed = Object.fromEntries(Object.entries(a).reverse());
        expect(seriesKey(reversed)).toBe(seriesKey(a));
        expect(seriesKey(a) === seriesKey(b)).toBe(compareLabelSets(a, b) === 0);
      }),
    );
  });

  it('keeps a label named __proto__ as a label', () => {
    const m = JSON.parse('{"__proto__":"x","a":"b"}') as Record<string, string>;
    expect(Object.keys(canonicalLabels(m))).toEqual(['__proto__', 'a']);
    expect(sortedLabelNames(m)).toEqual(['__proto__', 'a']);
  });

  it('sorted names follow byte order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(labelString, { maxLength: 6 }), (names) => {
        const m = Object.fromEntries(names.map((n) => [n, 'v']));
        const want = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
        expect(sortedLabelNames(m)).toEqual(want);
      }),
    );
  });
});
