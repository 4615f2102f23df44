import type { Matrix } from '../timeseries/index.js';

// V8 costs measured on Node 20 x64 (test/unit/cache/entry-size.test.ts): a parsed [t, "v"] pair
// is its array (~32 B), a slot in the series' array, a string (~16 B + length) and, for
// fractional seconds, a boxed number. Counted at the top of that range, so the byte budget bounds
// real heap use rather than JSON size.
const SERIES_OVERHEAD = 240;
const SAMPLE_OVERHEAD = 112;
const STRING_OVERHEAD = 16;

/** Bytes a matrix is likely to hold on the heap. */
export function matrixBytes(m: Matrix): number {
  let bytes = 64;
  for (const s of m) {
    bytes += SERIES_OVERHEAD;
    for (const [k, v] of Object.entries(s.metric)) bytes += 2 * STRING_OVERHEAD + k.length + v.length;
    for (const [, v] of s.values ?? []) bytes += SAMPLE_OVERHEAD + v.length;
    for (const [, h] of s.histograms ?? []) bytes += SAMPLE_OVERHEAD + JSON.stringify(h).length * 2;
  }
  return bytes;
}

export function answerBytes(body: Buffer, contentType: string): number {
  return 128 + body.length + contentType.length;
}
