/**
 * Range-query matrices as Prometheus's JSON carries them, cropped to extents and merged by label
 * set (Trickster's Crop and Merge). Prometheus sorts a range query's series with labels.Compare
 * (promql.Matrix implements sort.Interface) and leaves out series without samples.
 */
import type { Extent } from './extent.js';
import { canonicalLabels, comparePairs, labelPairs, type LabelSet } from './labels.js';

/** `[unix seconds, value as Prometheus formats it]`. */
export type Sample = [number, string];
/** `[unix seconds, native histogram object]`, carried as is. */
export type HistogramSample = [number, unknown];

export interface Series {
  metric: Record<string, string>;
  values?: Sample[];
  histograms?: HistogramSample[];
}

export type Matrix = Series[];

/** Sample time in integer ms; JSON seconds like 1700000000.123 are not exact in binary. */
export function sampleMs(t: number): number {
  return Math.round(t * 1000);
}

function inExtent<T extends [number, unknown]>(samples: readonly T[] | undefined, extent: Extent): T[] {
  if (samples === undefined) return [];
  return samples.filter((s) => {
    const ms = sampleMs(s[0]);
    return extent.start <= ms && ms <= extent.end;
  });
}

function seriesOf(metric: Record<string, string>, values: Sample[], histograms: HistogramSample[]): Series | undefined {
  if (values.length === 0 && histograms.length === 0) return undefined;
  const s: Series = { metric };
  if (values.length > 0) s.values = values;
  if (histograms.length > 0) s.histograms = histograms;
  return s;
}

/**
 * Samples with extent.start <= t <= extent.end (ms), series left empty dropped, order kept.
 * The input is not modified; sample tuples are shared.
 */
export function cropMatrix(m: Matrix, extent: Extent): Matrix {
  const out: Matrix = [];
  for (const s of m) {
    const cropped = seriesOf(s.metric, inExtent(s.values, extent), inExtent(s.histograms, extent));
    if (cropped !== undefined) out.push(cropped);
  }
  return out;
}

interface Entry {
  ms: number;
  float?: Sample;
  histogram?: HistogramSample;
}

/** The series of several matrices that share one label set, in the order met. */
export interface SeriesGroup {
  readonly pairs: Array<readonly [string, string]>;
  readonly metric: LabelSet;
  readonly members: Series[];
}

/** Groups the series of `parts` by label set; groups come sorted by labels.Compare. */
export function groupBySeries(parts: readonly Matrix[]): SeriesGroup[] {
  const groups = new Map<string, SeriesGroup>();
  for (const part of parts) {
    for (const s of part) {
      const pairs = labelPairs(s.metric);
      const key = JSON.stringify(pairs);
      let group = groups.get(key);
      if (group === undefined) {
        group = { pairs, metric: s.metric, members: [] };
        groups.set(key, group);
      }
      group.members.push(s);
    }
  }
  return [...groups.values()].sort((a, b) => comparePairs(a.pairs, b.pairs));
}

/**
 * Merges matrices fetched for parts of one window. Series with equal label sets become one; its
 * samples (floats and histograms together) are sorted by time. When several parts carry a sample
 * at the same millisecond, the one from the earliest part in `parts` wins (and, within a part,
 * the first), whether float or histogram: a step of a series has one value, and the caller orders
 * parts by preference (e.g. freshest fetch first). Output series are sorted by labels.Compare, with
 * label keys in Prometheus order. Inputs are not modified.
 */
export function mergeMatrices(parts: readonly Matrix[]): Matrix {
  const out: Matrix = [];
  for (const group of groupBySeries(parts)) {
    const entries: Entry[] = [];
    for (const s of group.members) {
      for (const v of s.values ?? []) entries.push({ ms: sampleMs(v[0]), float: v });
      for (const h of s.histograms ?? []) entries.push({ ms: sampleMs(h[0]), histogram: h });
    }
    // Array.prototype.sort is stable, so among equal times the earliest pushed (first part) leads.
    entries.sort((a, b) => a.ms - b.ms);
    const values: Sample[] = [];
    const histograms: HistogramSample[] = [];
    let lastMs: number | undefined;
    for (const e of entries) {
      if (e.ms === lastMs) continue;
      lastMs = e.ms;
      if (e.float !== undefined) values.push(e.float);
      else if (e.histogram !== undefined) histograms.push(e.histogram);
    }
    const merged = seriesOf(canonicalLabels(group.metric), values, histograms);
    if (merged !== undefined) out.push(merged);
  }
  return out;
}

/** A copy of `m` with series sorted by labels.Compare, as Prometheus returns them. */
export function sortMatrix(m: Matrix): Matrix {
  return m
    .map((s) => ({ s, pairs: labelPairs(s.metric) }))
    .sort((a, b) => comparePairs(a.pairs, b.pairs))
    .map((k) => k.s);
}
