import { describe, expect, it } from 'vitest';
import { parseCacheBytes } from '../../../bench/lib/cache-bytes.js';

const EXPOSITION = `# HELP promgate_cache_bytes Bytes held by the cache (estimated heap size of entries).
# TYPE promgate_cache_bytes gauge
promgate_cache_bytes 651264
# HELP promgate_cache_bytes_other Not this one.
promgate_cache_bytes_other 5
# TYPE promgate_cache_max_bytes gauge
promgate_cache_max_bytes 268435456
`;

describe("parseCacheBytes: promgate's own accounting from /metrics", () => {
  it.each([
    ['the two gauges', EXPOSITION, { bytes: 651_264, maxBytes: 268_435_456 }],
    ['empty label braces and exponents', 'promgate_cache_bytes{} 1e3\npromgate_cache_max_bytes{} 2.68435456e8\n', { bytes: 1000, maxBytes: 268_435_456 }],
    ['a gauge missing', 'promgate_cache_bytes 5\n', null],
    ['a value that is no number', 'promgate_cache_bytes NaN\npromgate_cache_max_bytes 10\n', null],
    ['a look-alike name only', 'promgate_cache_bytes_total 5\npromgate_cache_max_bytes 10\n', null],
    ['no exposition at all', '<html>404</html>', null],
  ])('%s', (_, text, want) => {
    expect(parseCacheBytes(text)).toEqual(want);
  });
});
