import { formatTick, type Ticks } from './ticks.js';
import { el, escapeXml, text } from './xml.js';

/**
 * What every chart shares: the document, the plot area, scales, axes with grid lines, the
 * legend. Charts only decide what to draw inside the plot.
 */

/** Colour-blind-safe (Okabe–Ito); series beyond eight repeat. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#000000'] as const;

export function colorAt(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
}

export interface Layout {
  width: number;
  height: number;
  left: number;
  top: number;
  plotW: number;
  plotH: number;
}

export function layout(width = 800, height = 400): Layout {
  const w = Number.isFinite(width) && width >= 200 ? width : 800;
  const h = Number.isFinite(height) && height >= 150 ? height : 400;
  const left = 72;
  const right = 24;
  const top = 64;
  const bottom = 56;
  return { width: w, height: h, left, top, plotW: w - left - right, plotH: h - top - bottom };
}

export type Scale = (v: number) => number;

export function linearScale(d0: number, d1: number, r0: number, r1: number): Scale {
  const span = d1 - d0;
  return (v) => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0));
}

export function logScale(d0: number, d1: number, r0: number, r1: number): Scale {
  const inner = linearScale(Math.log10(d0), Math.log10(d1), r0, r1);
  return (v) => inner(Math.log10(v));
}

export function svgDocument(l: Layout, title: string, body: readonly string[]): string {
  return (
    el(
      'svg',
      {
        xmlns: 'http://www.w3.org/2000/svg',
        width: l.width,
        height: l.height,
        viewBox: `0 0 ${l.width} ${l.height}`,
        'font-family': 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif',
        'font-size': 12,
      },
      [
        `<title>${escapeXml(title)}</title>`,
        el('rect', { x: 0, y: 0, width: l.width, height: l.height, fill: '#ffffff' }),
        text({ x: l.width / 2, y: 22, 'text-anchor': 'middle', 'font-size': 16, 'font-weight': 'bold' }, title),
        ...body,
      ],
    ) + '\n'
  );
}

export function axisLabels(l: Layout, xLabel: string, yLabel: string): string[] {
  const cy = l.top + l.plotH / 2;
  return [
    text({ x: l.left + l.plotW / 2, y: l.height - 10, 'text-anchor': 'middle' }, xLabel),
    text({ x: 16, y: cy, 'text-anchor': 'middle', transform: `rotate(-90 16 ${cy})` }, yLabel),
  ];
}

/** Horizontal grid lines with labels on the left, plus the y axis line. */
export function yAxis(l: Layout, ticks: Ticks, scale: Scale, log = false): string[] {
  const out: string[] = [];
  for (const v of ticks.values) {
    const y = scale(v);
    out.push(el('line', { x1: l.left, x2: l.left + l.plotW, y1: y, y2: y, stroke: '#e5e5e5' }));
    out.push(text({ x: l.left - 6, y: y + 4, 'text-anchor': 'end', fill: '#444' }, formatTick(v, log ? v : ticks.step)));
  }
  out.push(el('line', { x1: l.left, x2: l.left, y1: l.top, y2: l.top + l.plotH, stroke: '#333' }));
  return out;
}

/** Tick marks and labels under the plot, plus the x axis line. */
export function xAxis(l: Layout, ticks: Ticks, scale: Scale): string[] {
  const base = l.top + l.plotH;
  const out = [el('line', { x1: l.left, x2: l.left + l.plotW, y1: base, y2: base, stroke: '#333' })];
  for (const v of ticks.values) {
    const x = scale(v);
    out.push(el('line', { x1: x, x2: x, y1: base, y2: base + 5, stroke: '#333' }));
    out.push(text({ x, y: base + 18, 'text-anchor': 'middle', fill: '#444' }, formatTick(v, ticks.step)));
  }
  return out;
}

export interface LegendItem {
  name: string;
  color: string;
  dashed?: boolean;
}

/** One row under the title; long legends wrap onto a second row and then stop. */
export function legend(l: Layout, items: readonly LegendItem[]): string[] {
  const out: string[] = [];
  let x = l.left;
  let y = 42;
  for (const item of items) {
    const w = 28 + Math.min(40, item.name.length) * 7 + 16;
    if (x + w > l.left + l.plotW && x > l.left) {
      if (y > 42) break;
      x = l.left;
      y += 14;
    }
    out.push(el('line', { x1: x, x2: x + 20, y1: y - 4, y2: y - 4, stroke: item.color, 'stroke-width': 3, 'stroke-dasharray': item.dashed ? '6 3' : undefined }));
    out.push(text({ x: x + 26, y }, item.name));
    x += w;
  }
  return out;
}

export function noData(l: Layout): string {
  return text({ x: l.left + l.plotW / 2, y: l.top + l.plotH / 2, 'text-anchor': 'middle', fill: '#888' }, 'no data');
}
