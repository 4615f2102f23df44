import type { Matrix } from '../timeseries/index.js';

// Rough V8 costs: an object with its hidden class, an array slot, a [t, v] pair array, a string
// header. Counted generously, so the byte budget bounds real heap use rather than JSON size.
const SERIES_OVERHEAD = 160;
const SAMPLE_OVERHEAD = 72;
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
