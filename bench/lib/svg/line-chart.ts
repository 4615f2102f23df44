import { axisLabels, colorAt, layout, legend, linearScale, logScale, noData, svgDocument, xAxis, yAxis, type Layout, type Scale } from './frame.js';
import { logTicks, niceTicks, type Ticks } from './ticks.js';
import { el, num, text } from './xml.js';

/** A point; a `null` or non-finite y (an empty time bucket) breaks the line. */
export type Point = readonly [number, number | null];

export interface LineSeries {
  name: string;
  points: readonly Point[];
  color?: string;
  dashed?: boolean;
}

/** A moment to mark on the x axis, e.g. when a replica was kill -9'ed. */
export interface ChartMarker {
  x: number;
  label: string;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly LineSeries[];
  markers?: readonly ChartMarker[];
  /** Log y axis; points with y ≤ 0 cannot be drawn on it and are skipped. */
  yLog?: boolean;
  width?: number;
  height?: number;
}

/** A standalone SVG line chart: nice-tick axes, legend, dashed marker lines with labels. */
export function lineChart(o: LineChartOptions): string {
  const l = layout(o.width, o.height);
  const yLog = o.yLog === true;
  const drawable = (p: Point): p is readonly [number, number] =>
    Number.isFinite(p[0]) && p[1] !== null && Number.isFinite(p[1]) && (!yLog || p[1] > 0);
  const markers = (o.markers ?? []).filter((m) => Number.isFinite(m.x));
  const points = o.series.flatMap((s) => s.points.filter(drawable));

  const [xMin, xMax] = extent([...points.map((p) => p[0]), ...markers.map((m) => m.x)]);
  const xTicks = niceTicks(xMin, xMax, 8);
  const yTicks = yDomain(points.map((p) => p[1]), yLog);
  const sx = linearScale(xTicks.min, xTicks.max, l.left, l.left + l.plotW);
  const sy = (yLog ? logScale : linearScale)(yTicks.min, yTicks.max, l.top + l.plotH, l.top);

  const lines = o.series.flatMap((s, i) => seriesMarkup(s, s.color ?? colorAt(i), drawable, sx, sy));
  return svgDocument(l, o.title, [
    ...yAxis(l, yTicks, sy, yLog),
    ...xAxis(l, xTicks, sx),
    ...axisLabels(l, o.xLabel, o.yLabel),
    ...(points.length === 0 ? [noData(l)] : []),
    ...lines,
    ...markers.flatMap((m, i) => markerMarkup(l, sx(m.x), m.label, i)),
    ...legend(l, o.series.map((s, i) => ({ name: s.name, color: s.color ?? colorAt(i), dashed: s.dashed }))),
  ]);
}

function yDomain(ys: number[], yLog: boolean): Ticks {
  if (ys.length === 0) return yLog ? logTicks(1, 10) : niceTicks(0, 1);
  const [lo, hi] = extent(ys);
  // Linear axes start at zero so bar-of-the-eye comparisons between lines are honest.
  return yLog ? logTicks(lo, hi) : niceTicks(Math.min(0, lo), Math.max(0, hi), 6);
}

/** [min, max] without spreading (a spread of 10^6 arguments overflows the stack). */
function extent(values: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

function seriesMarkup(
  s: LineSeries,
  color: string,
  drawable: (p: Point) => p is readonly [number, number],
  sx: Scale,
  sy: Scale,
): string[] {
  const out: string[] = [];
  for (const run of segments(s.points, drawable)) {
    if (run.length === 1) {
      const [x, y] = run[0]!;
      out.push(el('circle', { cx: sx(x), cy: sy(y), r: 2.5, fill: color }));
      continue;
    }
    out.push(
      el('polyline', {
        points: run.map(([x, y]) => `${num(sx(x))},${num(sy(y))}`).join(' '),
        fill: 'none',
        stroke: color,
        'stroke-width': 2,
        'stroke-linejoin': 'round',
        'stroke-dasharray': s.dashed ? '6 3' : undefined,
      }),
    );
  }
  return out;
}

/** Splits a series into runs of consecutive drawable points (sorted by x). */
function segments(points: readonly Point[], drawable: (p: Point) => p is readonly [number, number]): Array<Array<readonly [number, number]>> {
  const sorted = points.filter((p) => Number.isFinite(p[0])).sort((a, b) => a[0] - b[0]);
  const runs: Array<Array<readonly [number, number]>> = [];
  let current: Array<readonly [number, number]> = [];
  for (const p of sorted) {
    if (drawable(p)) {
      current.push(p);
      continue;
    }
    if (current.length > 0) runs.push(current);
    current = [];
  }
  if (current.length > 0) runs.push(current);
  return runs;
}

/**
 * Labels are staggered over three rows so markers close together stay readable, and in the
 * right quarter they sit left of their line so they do not run off the chart.
 */
function markerMarkup(l: Layout, x: number, label: string, i: number): string[] {
  const y = l.top + 12 + (i % 3) * 13;
  const flip = x > l.left + l.plotW * 0.75;
  return [
    el('line', { x1: x, x2: x, y1: l.top, y2: l.top + l.plotH, stroke: '#b00020', 'stroke-width': 1.5, 'stroke-dasharray': '5 4' }),
    text({ x: flip ? x - 4 : x + 4, y, 'text-anchor': flip ? 'end' : 'start', fill: '#b00020', 'font-size': 11 }, label),
  ];
}
