import fc from 'fast-check';
import type { HistogramSample, Matrix, Sample, Series } from '../../../src/timeseries/index.js';

/** Strings that stress byte order and escaping: ASCII, '_', controls, HTML chars, astral plane. */
export const labelString = fc.oneof(
  fc.constantFrom('', 'a', 'b', 'A', 'Z', '_', '__name__', 'job', 'instance', '\uFFFD', '\u{1F600}', '<&>', '\u2028', 'é', '\n\t"\\'),
  fc.string({ unit: 'binary', maxLength: 4 }),
);

export const labelSet = fc.dictionary(labelString, labelString, { maxKeys: 4 }).map((d) => Object.fromEntries(Object.entries(d)));

const STEP = 15_000;
export const BASE_MS = 1_700_000_000_000;

/** A series on the grid BASE_MS + k * STEP + sub-ms phase, k in [0, 40). */
const seriesArb = fc
  .record({
    metric: labelSet,
    floatSteps: fc.uniqueArray(fc.integer({ min: 0, max: 39 }), { maxLength: 12 }),
    histSteps: fc.uniqueArray(fc.integer({ min: 0, max: 39 }), { maxLength: 3 }),
    value: fc.constantFrom('1', '0.5', 'NaN', '+Inf', '-Inf', '1e-7', '12345.678'),
  })
  .map(({ metric, floatSteps, histSteps, value }): Series => {
    const hist = histSteps.filter((k) => !floatSteps.includes(k)).sort((a, b) => a - b);
    const values: Sample[] = [...floatSteps].sort((a, b) => a - b).map((k) => [(BASE_MS + k * STEP + 123) / 1000, value]);
    const histograms: HistogramSample[] = hist.map((k) => [
      (BASE_MS + k * STEP + 123) / 1000,
      { count: '3', sum: '4.5', buckets: [[0, '1', '2', '3']] },
    ]);
    const s: Series = { metric };
    if (values.length > 0) s.values = values;
    if (histograms.length > 0) s.histograms = histograms;
    return s;
  });

/** Matrices as Prometheus would produce them: distinct label sets, no empty series (not sorted). */
export const matrixArb: fc.Arbitrary<Matrix> = fc
  .uniqueArray(seriesArb, { maxLength: 6, selector: (s) => JSON.stringify(Object.entries(s.metric).sort()) })
  .map((m) => m.filter((s) => s.values !== undefined || s.histograms !== undefined));

export const GRID = { step: STEP, phase: 123, points: 40 };
