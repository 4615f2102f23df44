import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { matrixBytes } from '../../../src/cache/entry-size.js';
import { parseRangeResponse, serializeRangeResponse, type Matrix } from '../../../src/timeseries/index.js';

// The cache bound is only as good as this estimate. Regression (review finding): it was 1.24x to
// 1.43x below the real heap use of parsed matrices, so a 256 MiB cache could hold ~350 MiB.
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

describe('matrixBytes', () => {
  it.each([false, true])('is at least the real heap use of a parsed matrix (fractional timestamps: %s)', (fractional) => {
    const text = body(fractional);
    gc();
    const before = process.memoryUsage().heapUsed;
    const parsed = parseRangeResponse(text)!;
    gc();
    const real = process.memoryUsage().heapUsed - before;
    const estimate = matrixBytes(parsed.matrix);
    expect(estimate).toBeGreaterThanOrEqual(real * 0.97);
    // and not wastefully above it
    expect(estimate).toBeLessThan(real * 1.6);
  });
});
