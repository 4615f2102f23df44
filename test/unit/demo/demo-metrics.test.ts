import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { demoExposition, demoHistory, demoSamples } from '../../../src/demo/demo-metrics.js';

const T0 = Date.UTC(2026, 11, 1);
const key = (s: { name: string; labels: Record<string, string> }) => `${s.name}${JSON.stringify(s.labels)}`;

describe('demo metrics', () => {
  it('counters never decrease and histogram buckets are cumulative, at any two times', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 86_400_000 }), fc.integer({ min: 1, max: 3_600_000 }), (a, d) => {
        const before = new Map(demoSamples(T0 + a).map((s) => [key(s), s.value]));
        const after = demoSamples(T0 + a + d);
        for (const s of after) if (!s.name.includes('cpu')) expect(s.value).toBeGreaterThanOrEqual(before.get(key(s))!);
        const buckets = after.filter((s) => s.name.endsWith('_bucket') && s.labels.instance === 'app-1:8080');
        for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
      }),
    );
  });

  it('history is OpenMetrics promtool reads: families grouped, series in time order, # EOF; live exposition has the same series', () => {
    const text = demoHistory(T0, T0 + 60_000, 15_000, '127.0.0.1:1');
    const lines = text.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('# EOF');
    expect(lines.filter((l) => l.startsWith('# TYPE')).map((l) => l.split(' ')[2])).toEqual(['up', 'demo_http_requests', 'demo_http_request_duration_seconds', 'demo_cpu_usage_ratio']);
    expect(lines).toContain(`up{instance="127.0.0.1:1",job="demo"} 1 ${T0 / 1000}`);
    const series = new Set(lines.filter((l) => !l.startsWith('#')).map((l) => l.split(' ')[0]));
    const live = new Set(demoExposition(T0).split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(' ')[0]));
    expect([...live].every((s) => series.has(s))).toBe(true);
    expect(lines.filter((l) => l.startsWith('demo_cpu_usage_ratio{instance="app-1:8080"')).map((l) => Number(l.split(' ')[2]))).toEqual([0, 15, 30, 45].map((s) => T0 / 1000 + s));
  });
});
