import { describe, expect, it } from 'vitest';
import { barChart, escapeXml, formatTick, lineChart, logTicks, niceNumber, niceTicks } from '../../../bench/lib/svg.js';
import { checkXml } from './xml-check.js';

function expectValidSvg(svg: string): void {
  expect(checkXml(svg)).toEqual([]);
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg).not.toMatch(/NaN|Infinity|undefined/);
}

const latency = (name: string, f: (x: number) => number | null) => ({
  name,
  points: Array.from({ length: 60 }, (_, i) => [i, f(i)] as const),
});

describe('niceTicks', () => {
  it.each([
    [0, 1, 6, 0, 1, 0.2],
    [0, 97, 6, 0, 100, 20],
    [0, 1234, 6, 0, 1400, 200],
    [3, 7, 5, 3, 7, 1],
    [-12, 48, 6, -20, 50, 10],
    [0.001, 0.0093, 6, 0, 0.01, 0.002],
    [0, 60_000, 8, 0, 60_000, 10_000],
  ])('[%s, %s] in ~%s ticks → [%s, %s] step %s', (lo, hi, n, min, max, step) => {
    const t = niceTicks(lo, hi, n);
    expect([t.min, t.max, t.step]).toEqual([min, max, step]);
    expect(t.values[0]).toBe(min);
    expect(t.values[t.values.length - 1]).toBe(max);
    expect(t.values.length).toBeLessThanOrEqual(2 * n);
  });

  it('prints clean values, not 0.30000000000000004', () => {
    expect(niceTicks(0, 1).values).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 0.3, 4).values).toEqual([0, 0.1, 0.2, 0.3]);
  });

  it.each([
    [5, 5],
    [0, 0],
    [NaN, NaN],
    [Infinity, -Infinity],
    [10, 2],
  ])('widens or repairs the degenerate domain [%s, %s]', (lo, hi) => {
    const t = niceTicks(lo, hi);
    expect(t.max).toBeGreaterThan(t.min);
    expect([t.min, t.max, t.step, ...t.values].every(Number.isFinite)).toBe(true);
  });

  it('picks 1, 2, 5 × 10^k', () => {
    expect([0.7, 1.2, 1.6, 2.9, 4, 8].map((x) => niceNumber(x, true))).toEqual([0.5, 1, 2, 2, 5, 10]);
    expect([1, 1.1, 2.5, 6].map((x) => niceNumber(x, false))).toEqual([1, 2, 5, 10]);
  });
});

describe('logTicks and formatTick', () => {
  it('covers the data with powers of ten', () => {
    expect(logTicks(0.3, 1500).values).toEqual([0.1, 1, 10, 100, 1000, 10_000]);
    expect(logTicks(5, 5).values).toEqual([1, 10]);
    expect(logTicks(-1, 0).values).toEqual([1, 10]);
  });

  it.each([
    [0.2, 0.2, '0.2'],
    [1000, 200, '1k'],
    [1200, 200, '1.2k'],
    [2_500_000, 500_000, '2.5M'],
    [40, 20, '40'],
    [0.001, 0.001, '0.001'],
    [-0.0001, 0.1, '0'],
    [0, 0.2, '0'],
    [0.4, 0.2, '0.4'],
  ])('formatTick(%s, %s) = %s', (v, step, want) => {
    expect(formatTick(v, step)).toBe(want);
  });
});

describe('escapeXml', () => {
  it('escapes markup characters and drops characters XML forbids', () => {
    expect(escapeXml(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
    expect(escapeXml('bell\u0007 nul\u0000 tab\t')).toBe('bell nul tab\t');
    expect(escapeXml('lone \uD800 surrogate, 😀 kept')).toBe('lone  surrogate, 😀 kept');
  });
});

describe('lineChart', () => {
  const chart = lineChart({
    title: 'failover: p99 latency',
    xLabel: 'seconds since start',
    yLabel: 'ms',
    series: [latency('promgate p99', (i) => 20 + (i === 30 ? 800 : 0)), latency('haproxy p99', (i) => (i >= 30 && i < 35 ? null : 25))],
    markers: [
      { x: 30, label: 'SIGSTOP replica-1' },
      { x: 45, label: 'SIGCONT' },
    ],
  });

  it('is a well-formed standalone SVG', () => {
    expectValidSvg(chart);
  });

  it('draws a legend entry and a line per series, and a dashed line per marker', () => {
    expect(chart).toContain('>promgate p99</text>');
    expect(chart).toContain('>haproxy p99</text>');
    expect(chart.match(/<polyline /g)?.length).toBe(3); // haproxy's gap splits it in two
    expect(chart.match(/stroke-dasharray="5 4"/g)?.length).toBe(2);
    expect(chart).toContain('>SIGSTOP replica-1</text>');
  });

  it('escapes every piece of text', () => {
    const svg = lineChart({
      title: 'a < b & "c"',
      xLabel: '<x>',
      yLabel: "'y'",
      series: [{ name: 'r&d <1>', points: [[0, 1], [1, 2]] }],
      markers: [{ x: 0.5, label: 'kill -9 <replica> & "wait"' }],
    });
    expectValidSvg(svg);
    expect(svg).toContain('a &lt; b &amp; &quot;c&quot;');
    expect(svg).toContain('kill -9 &lt;replica&gt; &amp; &quot;wait&quot;');
    expect(svg).not.toContain('<replica>');
  });

  it('handles no series, empty series and all-null points', () => {
    for (const series of [[], [{ name: 'empty', points: [] }], [{ name: 'gaps', points: [[0, null], [1, NaN]] as const }]]) {
      const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series });
      expectValidSvg(svg);
      expect(svg).toContain('>no data</text>');
    }
  });

  it('never prints NaN or Infinity whatever the input', () => {
    const svg = lineChart({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      series: [{ name: 's', points: [[NaN, 1], [1, Infinity], [2, -Infinity], [3, 5], [Infinity, 2]] }],
      markers: [{ x: NaN, label: 'bad' }, { x: Infinity, label: 'bad2' }],
      width: NaN,
      height: -5,
    });
    expectValidSvg(svg);
    expect(svg).toContain('<circle'); // the one finite point
    expect(svg).not.toContain('bad');
  });

  it('draws a single point and a constant series', () => {
    expectValidSvg(lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'one', points: [[5, 5]] }] }));
    expectValidSvg(lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [latency('flat', () => 0)] }));
  });

  it('uses a log axis and skips values it cannot draw', () => {
    const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'ms', yLog: true, series: [latency('s', (i) => (i === 3 ? 0 : 10 ** (i % 4)))] });
    expectValidSvg(svg);
    expect(svg).toContain('>1k</text>');
    expect(svg).toContain('>1</text>');
    expect(svg.match(/<polyline /g)?.length).toBe(2); // y = 0 at x = 3 breaks the line
  });

  it('honours size and series colour', () => {
    const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', width: 640, height: 300, series: [{ name: 's', color: '#123456', points: [[0, 1], [1, 2]] }] });
    expect(svg).toContain('width="640" height="300" viewBox="0 0 640 300"');
    expect(svg).toContain('stroke="#123456"');
  });
});

describe('barChart', () => {
  const groups = [
    { label: 'miss path', bars: [{ name: 'promgate', value: 4100 }, { name: 'haproxy', value: 4300 }] },
    { label: 'dashboard', bars: [{ name: 'promgate', value: 2400 }, { name: 'haproxy', value: 95 }] },
    { label: 'burst <heavy>', bars: [{ name: 'promgate', value: null }, { name: 'haproxy', value: NaN }] },
  ];
  const svg = barChart({ title: 'Throughput (ok rps)', yLabel: 'requests/s', groups });

  it('is a well-formed standalone SVG with escaped labels', () => {
    expectValidSvg(svg);
    expect(svg).toContain('>burst &lt;heavy&gt;</text>');
  });

  it('draws one bar per measured value, one colour per series name', () => {
    const rects = [...svg.matchAll(/<rect x="[^"]*" y="[^"]*" width="[^"]*" height="[^"]*" fill="([^"]*)"/g)].map((m) => m[1]);
    const bars = rects.slice(1); // the first is the background
    expect(bars.length).toBe(4); // null and NaN draw no bar
    expect(new Set(bars).size).toBe(2);
    expect(bars[0]).toBe(bars[2]);
    expect(svg.match(/>n\/a<\/text>/g)?.length).toBe(2);
    expect(svg).toContain('>4300</text>');
  });

  it('handles no groups and all-zero values', () => {
    expectValidSvg(barChart({ title: 't', yLabel: 'y', groups: [] }));
    expectValidSvg(barChart({ title: 't', yLabel: 'y', groups: [{ label: 'g', bars: [{ name: 'a', value: 0 }] }, { label: 'h', bars: [] }] }));
  });
});

describe('lineChart markers', () => {
  it('puts labels near the right edge on the left of their line', () => {
    const svg = lineChart({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      series: [{ name: 's', points: [[0, 1], [100, 2]] }],
      markers: [{ x: 10, label: 'early' }, { x: 95, label: 'late' }],
    });
    expect(svg).toMatch(/text-anchor="start"[^>]*>early</);
    expect(svg).toMatch(/text-anchor="end"[^>]*>late</);
  });
});
