import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { encodedBytes, encodeMatrix, parseRangeResponse, serializeRangeResponse, type Matrix } from '../../../src/timeseries/index.js';

// The cache bound is only as good as this estimate. Regression (review finding): an earlier one
// was 1.24x to 1.43x below the real heap use of parsed matrices, so a 256 MiB cache held ~350 MiB.
// Kept extents are now encoded bytes: their text lives in Buffers, outside the JS heap.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function body(fractional: boolean): string {
  const matrix: Matrix = [];
  for (let s = 0; s < 300; s++) {
    const values: Array<[number, string]> = [];
    for (let k = 0; k < 1000; k++) values.push([1_700_000_000 + k * 15 + (fractional ? 0.5 : 0), String((s * 7919 + k * 104_729) % 1_000_003 / 7)]);
    matrix.push({ metric: { __name__: 'demo_cpu_usage_seconds_total', instance: `host-${s}:9100`, job: 'node', mode: 'idle' }, values });
  }
  return serializeRangeResponse({ matrix });
}

const used = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

describe('encodedBytes', () => {
  it.each([false, true])('is at least the real memory use of an encoded matrix (fractional timestamps: %s)', (fractional) => {
    // What the encoded matrix alone holds: memory with it, minus memory once it is dropped.
    let encoded: ReturnType<typeof encodeMatrix> | undefined = encodeMatrix(parseRangeResponse(body(fractional))!.matrix);
    const estimate = encodedBytes(encoded);
    for (let i = 0; i < 3; i++) gc();
    const withIt = used();
    encoded = undefined;
    for (let i = 0; i < 3; i++) gc();
    const real = withIt - used();
    expect(estimate).toBeGreaterThanOrEqual(real * 0.97);
    // and not wastefully above it
    expect(estimate).toBeLessThan(real * 1.6);
  });
});
