/**
 * The two charts the report needs, as standalone SVG documents (GitHub's Markdown viewer and an
 * `<img>` show them as they are), with no dependency: grouped bars (throughput per scenario) and
 * lines over time (latency, with the faults marked). Every text goes through escapeXml; every
 * number through num, so no NaN or Infinity reaches the document.
 */

/** Colour-blind-safe (Okabe–Ito); series beyond six repeat. */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];
const [WIDTH, HEIGHT, LEFT, TOP] = [800, 400, 72, 64];
const [PLOT_W, PLOT_H] = [WIDTH - LEFT - 24, HEIGHT - TOP - 56];
const BASE = TOP + PLOT_H;

/** Safe in text and in quoted attributes; drops the C0 controls XML 1.0 forbids. */
export function escapeXml(s: string): string {
  const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '').replace(/[&<>"']/g, (c) => entities[c]!);
}

function num(n: number): string {
  return Number.isFinite(n) ? String(Math.round(n * 100) / 100 || 0) : '0';
}

function el(name: string, attrs: Record<string, string | number | undefined>, content = ''): string {
  const a = Object.entries(attrs).flatMap(([k, v]) => (v === undefined ? [] : [` ${k}="${typeof v === 'number' ? num(v) : escapeXml(v)}"`]));
  return content === '' ? `<${name}${a.join('')}/>` : `<${name}${a.join('')}>${content}</${name}>`;
}

const text = (attrs: Record<string, string | number | undefined>, s: string): string => el('text', attrs, escapeXml(s));

/** Ticks at 1, 2, 5 × 10^k from 0 to at least hi (linear), or powers of ten covering [lo, hi] (log). */
export function ticks(lo: number, hi: number, log: boolean): number[] {
  const top = hi > 0 && Number.isFinite(hi) ? hi : log ? 10 : 1;
  if (log) {
    const e0 = Math.floor(Math.log10(lo > 0 && Number.isFinite(lo) ? Math.min(lo, top) : 1));
    const e1 = Math.max(e0 + 1, Math.ceil(Math.log10(top)));
    return Array.from({ length: e1 - e0 + 1 }, (_, i) => 10 ** (e0 + i));
  }
  const pow = 10 ** Math.floor(Math.log10(top / 5));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= top / 5)!;
  return Array.from({ length: Math.ceil(top / step - 1e-9) + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

function label(v: number): string {
  return v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : String(v);
}

/** The frame: title, legend, y grid with labels, axis labels; `y` maps a value to its height. */
function chart(title: string, yLabel: string, xLabel: string, names: readonly string[], yTicks: readonly number[], y: (v: number) => number, body: string[]): string {
  const legend = names.map((n, i) => el('rect', { x: LEFT + i * 150, y: 36, width: 12, height: 12, fill: PALETTE[i % PALETTE.length] }) + text({ x: LEFT + i * 150 + 18, y: 47 }, n));
  const grid = yTicks.flatMap((v) => [el('line', { x1: LEFT, x2: LEFT + PLOT_W, y1: y(v), y2: y(v), stroke: '#e5e5e5' }), text({ x: LEFT - 6, y: y(v) + 4, 'text-anchor': 'end' }, label(v))]);
  const inner = [
    `<title>${escapeXml(title)}</title>`,
    el('rect', { width: WIDTH, height: HEIGHT, fill: '#ffffff' }),
    text({ x: WIDTH / 2, y: 22, 'text-anchor': 'middle', 'font-size': 16, 'font-weight': 'bold' }, title),
    ...legend,
    ...grid,
    el('line', { x1: LEFT, x2: LEFT + PLOT_W, y1: BASE, y2: BASE, stroke: '#333' }),
    text({ x: LEFT + PLOT_W / 2, y: HEIGHT - 10, 'text-anchor': 'middle' }, xLabel),
    text({ x: 16, y: TOP + PLOT_H / 2, 'text-anchor': 'middle', transform: `rotate(-90 16 ${TOP + PLOT_H / 2})` }, yLabel),
    ...body,
  ];
  const svg = { xmlns: 'http://www.w3.org/2000/svg', width: WIDTH, height: HEIGHT, viewBox: `0 0 ${WIDTH} ${HEIGHT}`, 'font-family': 'system-ui, sans-serif', 'font-size': 12 };
  return `${el('svg', svg, inner.join(''))}\n`;
}

export interface BarGroup {
  label: string;
  bars: ReadonlyArray<{ name: string; value: number | null }>;
}

/** Grouped bars, one colour per bar name; an unknown value draws "n/a". */
export function barChart(title: string, yLabel: string, groups: readonly BarGroup[]): string {
  const names = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.name)))];
  const known = (v: number | null): v is number => v !== null && Number.isFinite(v);
  const yTicks = ticks(0, Math.max(0, ...groups.flatMap((g) => g.bars.map((b) => (known(b.value) ? b.value : 0)))), false);
  const y = (v: number): number => BASE - (Math.max(0, v) / yTicks.at(-1)!) * PLOT_H;
  const slot = PLOT_W / Math.max(1, groups.length);
  const body = groups.flatMap((g, i) => {
    const w = (slot * 0.8) / Math.max(1, g.bars.length);
    const x0 = LEFT + i * slot + slot * 0.1;
    return [
      text({ x: LEFT + i * slot + slot / 2, y: BASE + 18, 'text-anchor': 'middle' }, g.label),
      ...g.bars.map((b, j) => {
        const cx = x0 + j * w + w / 2;
        if (!known(b.value)) return text({ x: cx, y: BASE - 4, 'text-anchor': 'middle', fill: '#888' }, 'n/a');
        const fill = PALETTE[names.indexOf(b.name) % PALETTE.length];
        return el('rect', { x: x0 + j * w + 1, y: y(b.value), width: Math.max(0, w - 2), height: BASE - y(b.value), fill }) + text({ x: cx, y: y(b.value) - 4, 'text-anchor': 'middle' }, label(Math.round(b.value)));
      }),
    ];
  });
  return chart(title, yLabel, '', names, yTicks, y, body);
}

export interface LineSeries {
  name: string;
  /** [x, y]; a null or non-finite y (an empty time bucket) breaks the line. */
  points: ReadonlyArray<readonly [number, number | null]>;
}

/** Lines over x from 0, y on a log axis (latencies span ms to seconds), dashed red markers with labels. */
export function lineChart(title: string, xLabel: string, yLabel: string, series: readonly LineSeries[], markers: ReadonlyArray<{ x: number; label: string }> = []): string {
  const drawable = (p: readonly [number, number | null]): p is readonly [number, number] => Number.isFinite(p[0]) && p[1] !== null && p[1] > 0 && Number.isFinite(p[1]);
  const ys = series.flatMap((s) => s.points.filter(drawable).map((p) => p[1]));
  const xs = [...series.flatMap((s) => s.points.filter(drawable).map((p) => p[0])), ...markers.map((m) => m.x)].filter(Number.isFinite);
  const yTicks = ticks(Math.min(...ys), Math.max(...ys), true);
  const [lo, hi] = [Math.log10(yTicks[0]!), Math.log10(yTicks.at(-1)!)];
  const y = (v: number): number => BASE - ((Math.log10(v) - lo) / (hi - lo)) * PLOT_H;
  const xMax = ticks(0, Math.max(...xs), false).at(-1)!;
  const x = (v: number): number => LEFT + (v / xMax) * PLOT_W;
  const lines = series.flatMap((s, i) => {
    const runs: string[][] = [[]];
    for (const p of s.points) if (drawable(p)) runs.at(-1)!.push(`${num(x(p[0]))},${num(y(p[1]))}`);
    else if (runs.at(-1)!.length > 0) runs.push([]);
    return runs.filter((r) => r.length > 0).map((r) => el('polyline', { points: r.join(' '), fill: 'none', stroke: PALETTE[i % PALETTE.length], 'stroke-width': 2 }));
  });
  const marks = markers.filter((m) => Number.isFinite(m.x)).flatMap((m, i) => [
    el('line', { x1: x(m.x), x2: x(m.x), y1: TOP, y2: BASE, stroke: '#b00020', 'stroke-dasharray': '5 4' }),
    text({ x: x(m.x) + 4, y: TOP + 12 + (i % 3) * 13, fill: '#b00020', 'font-size': 11 }, m.label),
  ]);
  const xTicks = ticks(0, xMax, false).map((v) => text({ x: x(v), y: BASE + 18, 'text-anchor': 'middle' }, label(v)));
  return chart(title, yLabel, xLabel, series.map((s) => s.name), yTicks, y, [...xTicks, ...lines, ...marks, ...(ys.length === 0 ? [text({ x: LEFT + PLOT_W / 2, y: TOP + PLOT_H / 2, 'text-anchor': 'middle', fill: '#888' }, 'no data')] : [])]);
}
