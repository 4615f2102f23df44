import { axisLabels, colorAt, layout, legend, linearScale, noData, svgDocument, yAxis, type Layout, type Scale } from './frame.js';
import { formatTick, niceTicks } from './ticks.js';
import { el, text } from './xml.js';

export interface Bar {
  /** Series name; the same name gets the same colour in every group (promgate, haproxy). */
  name: string;
  /** `null` or non-finite (not measured) draws no bar and says "n/a"; negatives count as 0. */
  value: number | null;
  color?: string;
}

export interface BarGroup {
  label: string;
  bars: readonly Bar[];
}

export interface BarChartOptions {
  title: string;
  groups: readonly BarGroup[];
  yLabel: string;
  xLabel?: string;
  width?: number;
  height?: number;
}

/** A standalone SVG grouped bar chart, e.g. throughput of promgate vs HAProxy per scenario. */
export function barChart(o: BarChartOptions): string {
  const l = layout(o.width, o.height);
  const names = uniqueNames(o.groups);
  const colorOf = (bar: Bar): string => bar.color ?? colorAt(names.indexOf(bar.name));
  const values = o.groups.flatMap((g) => g.bars.map((b) => clean(b.value) ?? 0));
  const ticks = niceTicks(0, values.reduce((m, v) => Math.max(m, v), 0), 6);
  const sy = linearScale(ticks.min, ticks.max, l.top + l.plotH, l.top);
  const body = o.groups.flatMap((g, i) => groupMarkup(l, g, i, o.groups.length, sy, ticks.step, colorOf));
  const base = l.top + l.plotH;
  return svgDocument(l, o.title, [
    ...yAxis(l, ticks, sy),
    el('line', { x1: l.left, x2: l.left + l.plotW, y1: base, y2: base, stroke: '#333' }),
    ...axisLabels(l, o.xLabel ?? '', o.yLabel),
    ...(o.groups.length === 0 ? [noData(l)] : []),
    ...body,
    ...legend(l, names.map((name) => ({ name, color: colorOf({ name, value: null, color: firstColor(o.groups, name) }) }))),
  ]);
}

function groupMarkup(l: Layout, g: BarGroup, i: number, n: number, sy: Scale, step: number, colorOf: (b: Bar) => string): string[] {
  const slot = l.plotW / n;
  const inner = slot * 0.8;
  const barW = g.bars.length === 0 ? 0 : inner / g.bars.length;
  const x0 = l.left + i * slot + (slot - inner) / 2;
  const base = l.top + l.plotH;
  const out = [text({ x: l.left + i * slot + slot / 2, y: base + 18, 'text-anchor': 'middle' }, g.label)];
  g.bars.forEach((bar, j) => {
    const v = clean(bar.value);
    const cx = x0 + j * barW + barW / 2;
    if (v === null) {
      out.push(text({ x: cx, y: base - 4, 'text-anchor': 'middle', fill: '#888', 'font-size': 11 }, 'n/a'));
      return;
    }
    const y = sy(v);
    out.push(el('rect', { x: x0 + j * barW + 1, y, width: Math.max(0, barW - 2), height: Math.max(0, base - y), fill: colorOf(bar) }));
    out.push(text({ x: cx, y: y - 4, 'text-anchor': 'middle', 'font-size': 11 }, formatTick(v, Math.min(step, 1))));
  });
  return out;
}

function clean(v: number | null): number | null {
  if (v === null || !Number.isFinite(v)) return null;
  return Math.max(0, v);
}

function uniqueNames(groups: readonly BarGroup[]): string[] {
  return [...new Set(groups.flatMap((g) => g.bars.map((b) => b.name)))];
}

function firstColor(groups: readonly BarGroup[], name: string): string | undefined {
  for (const g of groups) for (const b of g.bars) if (b.name === name && b.color !== undefined) return b.color;
  return undefined;
}
