import { describe, expect, it } from 'vitest';
import { barChart, escapeXml, lineChart, ticks } from '../../../bench/lib/svg.js';
import { checkXml } from './xml-check.js';

function expectValidSvg(svg: string): void {
  expect(checkXml(svg)).toEqual([]);
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg).not.toMatch(/NaN|Infinity|undefined/);
}

describe('ticks', () => {
  it.each([
    [0, 1, false, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [0, 97, false, [0, 20, 40, 60, 80, 100]],
    [0, 1000, false, [0, 200, 400, 600, 800, 1000]],
    [0, 1234, false, [0, 500, 1000, 1500]],
    [0, 0.3, false, [0, 0.1, 0.2, 0.3]],
    [0, 0, false, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [0, NaN, false, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [0.3, 1500, true, [0.1, 1, 10, 100, 1000, 10_000]],
    [5, 5, true, [1, 10]],
    [Infinity, -Infinity, true, [1, 10]],
  ])('[%s, %s] log=%s → %j', (lo, hi, log, want) => {
    expect(ticks(lo, hi, log)).toEqual(want);
  });
});

describe('escapeXml', () => {
  it('escapes markup characters and drops characters XML forbids', () => {
    expect(escapeXml(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
    expect(escapeXml('bell\u0007 nul\u0000 tab\t')).toBe('bell nul tab\t');
  });
});

describe('lineChart', () => {
  const series = (name: string, f: (x: number) => number | null) => ({ name, points: Array.from({ length: 60 }, (_, i) => [i, f(i)] as const) });
  const chart = lineChart('failover: p99 <latency>', 'time (s)', 'ms', [series('promgate p99', (i) => 20 + (i === 30 ? 800 : 0)), series('haproxy p99', (i) => (i >= 30 && i < 35 ? null : 25))], [
    { x: 30, label: 'SIGSTOP replica & co' },
    { x: 45, label: 'SIGCONT' },
  ]);

  it('is a well-formed standalone SVG with every text escaped', () => {
    expectValidSvg(chart);
    expect(chart).toContain('failover: p99 &lt;latency&gt;');
    expect(chart).toContain('>SIGSTOP replica &amp; co</text>');
  });

  it('draws a legend entry and a line per series (a gap splits one), and a dashed line per marker', () => {
    expect(chart).toContain('>promgate p99</text>');
    expect(chart.match(/<polyline /g)?.length).toBe(3);
    expect(chart.match(/stroke-dasharray="5 4"/g)?.length).toBe(2);
    expect(chart).toContain('>1k</text>'); // log axis up to 1000 ms
  });

  it.each([
    ['no series', []],
    ['an empty series', [{ name: 'empty', points: [] }]],
    ['only points it cannot draw', [{ name: 's', points: [[NaN, 1], [1, Infinity], [2, null], [3, 0]] as const }]],
  ])('says "no data" for %s', (_, s) => {
    const svg = lineChart('t', 'x', 'y', s, [{ x: NaN, label: 'bad' }]);
    expectValidSvg(svg);
    expect(svg).toContain('>no data</text>');
    expect(svg).not.toContain('bad');
  });
});

describe('barChart', () => {
  const svg = barChart('Throughput (ok rps)', 'requests/s', [
    { label: 'miss', bars: [{ name: 'promgate', value: 4100 }, { name: 'haproxy', value: 4300 }, { name: 'node-proxy', value: 5000 }] },
    { label: 'dashboard', bars: [{ name: 'promgate', value: 2400 }, { name: 'haproxy', value: 95 }] },
    { label: 'burst <heavy>', bars: [{ name: 'promgate', value: null }, { name: 'haproxy', value: NaN }] },
  ]);

  it('is a well-formed standalone SVG with escaped labels', () => {
    expectValidSvg(svg);
    expect(svg).toContain('>burst &lt;heavy&gt;</text>');
  });

  it('draws one bar per measured value, one colour per bar name, and "n/a" for the rest', () => {
    const bars = [...svg.matchAll(/<rect x="[^"]*" y="([^"]*)" width="[^"]*" height="[^"]*" fill="([^"]*)"/g)].filter((m) => m[1] !== '36'); // not the legend's
    const fills = bars.map((m) => m[2]);
    expect(fills.length).toBe(5);
    expect(new Set(fills).size).toBe(3);
    expect(fills[0]).toBe(fills[3]);
    expect(svg.match(/>n\/a<\/text>/g)?.length).toBe(2);
    expect(svg).toContain('>4.3k</text>');
  });

  it('handles no groups and all-zero values', () => {
    expectValidSvg(barChart('t', 'y', []));
    expectValidSvg(barChart('t', 'y', [{ label: 'g', bars: [{ name: 'a', value: 0 }] }, { label: 'h', bars: [] }]));
  });
});
