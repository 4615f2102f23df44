import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cropEncoded,
  cropMatrix,
  encodedBytes,
  encodedSamples,
  encodeMatrix,
  mergeEncoded,
  mergeMatrices,
  serializeRangeResponse,
  seriesKey,
  writeRangeBody,
} from '../../../src/timeseries/index.js';
import { BASE_MS, GRID, matrixArb } from './arbitraries.js';

const at = (k: number) => BASE_MS + k * GRID.step + GRID.phase;
const body = (m: Parameters<typeof mergeMatrices>[0][number]) => serializeRangeResponse({ matrix: mergeMatrices([m]) });

describe('encoded matrices write what serializeRangeResponse writes', () => {
  it('whole: encode then write is the serializer byte for byte (labels to escape, histograms, ms times)', () => {
    fc.assert(
      fc.property(matrixArb, (m) => {
        expect(writeRangeBody([encodeMatrix(m)]).toString()).toBe(body(m));
      }),
    );
  });

  it('cropped views equal cropMatrix', () => {
    fc.assert(
      fc.property(matrixArb, fc.integer({ min: -3, max: 42 }), fc.integer({ min: 0, max: 45 }), (m, a, len) => {
        const extent = { start: at(a), end: at(a + len) };
        expect(writeRangeBody([cropEncoded(encodeMatrix(m), extent)]).toString()).toBe(body(cropMatrix(m, extent)));
        expect(writeRangeBody([cropEncoded(encodeMatrix(m), extent, true)]).toString()).toBe(body(cropMatrix(m, extent)));
      }),
    );
  });

  it('consecutive crops written as parts in time order give the whole', () => {
    fc.assert(
      fc.property(matrixArb, fc.uniqueArray(fc.integer({ min: 1, max: 39 }), { maxLength: 4 }), (m, cutsRaw) => {
        const cuts = [0, ...cutsRaw.sort((x, y) => x - y), 40];
        const e = encodeMatrix(m);
        const parts = cuts.slice(1).map((c, i) => cropEncoded(e, { start: at(cuts[i]!), end: at(c) - 1 }));
        expect(writeRangeBody(parts).toString()).toBe(body(m));
        expect(writeRangeBody([mergeEncoded(parts)]).toString()).toBe(body(m));
      }),
    );
  });

  it('merging interleaved pieces in any order equals mergeMatrices, the first piece winning a shared time', () => {
    // Per kind of sample: a Prometheus step has a float or a histogram, never both, and the range
    // cache merges parts fetched for disjoint times, so a float never meets a histogram's time.
    const kinds = (pieces: Parameters<typeof mergeMatrices>[0]) => {
      const times = new Map<string, string>();
      for (const p of pieces) for (const s of p) {
        for (const [t] of s.values ?? []) if (times.get(`${seriesKey(s.metric)}@${t}`) === 'h') return false; else times.set(`${seriesKey(s.metric)}@${t}`, 'f');
        for (const [t] of s.histograms ?? []) if (times.get(`${seriesKey(s.metric)}@${t}`) === 'f') return false; else times.set(`${seriesKey(s.metric)}@${t}`, 'h');
      }
      return true;
    };
    fc.assert(
      fc.property(fc.array(matrixArb, { minLength: 1, maxLength: 4 }), (pieces) => {
        fc.pre(kinds(pieces));
        expect(writeRangeBody([mergeEncoded(pieces.map(encodeMatrix))]).toString()).toBe(serializeRangeResponse({ matrix: mergeMatrices(pieces) }));
      }),
    );
  });

  it('counts its samples and accounts at least its text', () => {
    fc.assert(
      fc.property(matrixArb, (m) => {
        const e = encodeMatrix(m);
        expect(encodedSamples(e)).toBe(m.reduce((n, s) => n + (s.values?.length ?? 0) + (s.histograms?.length ?? 0), 0));
        expect(encodedBytes(e)).toBeGreaterThanOrEqual(writeRangeBody([e]).length);
      }),
    );
  });

  it('series out of order or samples out of time order (not Prometheus) are sorted, the first of a time kept', () => {
    const e = encodeMatrix([
      { metric: { a: '2' }, values: [[2, '2'], [1, '1'], [2, 'x']] },
      { metric: { a: '1' }, values: [[1, '1']] },
    ]);
    expect(writeRangeBody([e]).toString()).toBe(
      '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"1"},"values":[[1,"1"]]},{"metric":{"a":"2"},"values":[[1,"1"],[2,"2"]]}]}}',
    );
  });

  it('an empty matrix writes the empty result', () => {
    expect(writeRangeBody([]).toString()).toBe('{"status":"success","data":{"resultType":"matrix","result":[]}}');
    expect(writeRangeBody([[], encodeMatrix([])]).toString()).toBe('{"status":"success","data":{"resultType":"matrix","result":[]}}');
  });
});
