/**
 * A range matrix kept as the bytes Prometheus writes for it, so an answer is assembled by copying,
 * not by encoding: each series' label part (`{"metric":{…}`) is encoded once, and each of its
 * samples once, as `[t,"v"],` runs with an offset per sample. Cropping a run to a window is two
 * binary searches and a `subarray`; writing a body is one `Buffer.concat`. The text is exactly
 * what serializeRangeResponse writes (response.ts documents Prometheus's format), which the
 * property tests hold it to.
 */
import type { Extent } from './extent.js';
import { comparePairs, labelPairs } from './labels.js';
import type { Matrix } from './matrix.js';
import { sampleMs } from './matrix.js';
import { goJson, writeHistogramSample, writeSample } from './response.js';

/** One kind of sample (floats or histograms) of one series, in ascending time. */
export interface EncodedRun {
  /** Sample times in ms, ascending, no duplicates. */
  readonly times: Float64Array;
  /** Every sample's JSON followed by `,`. */
  readonly text: Buffer;
  /** `offsets[i]` is where sample i starts in `text`; `offsets[n]` is `text.length`. */
  readonly offsets: Uint32Array;
}

export interface EncodedSeries {
  /** The label pairs as JSON: equal label sets, equal keys. */
  readonly key: string;
  /** Sorted label pairs, for Prometheus's series order (labels.Compare). */
  readonly pairs: ReadonlyArray<readonly [string, string]>;
  /** `{"metric":{…}` as Prometheus writes it. */
  readonly head: Buffer;
  readonly floats: EncodedRun;
  readonly histograms: EncodedRun;
}

/** Series sorted by labels.Compare, as Prometheus returns a range query's. */
export type EncodedMatrix = readonly EncodedSeries[];

const EMPTY_RUN: EncodedRun = Object.freeze({ times: new Float64Array(0), text: Buffer.alloc(0), offsets: new Uint32Array([0]) });

function encodeRun<T extends [number, unknown]>(samples: readonly T[] | undefined, write: (s: T) => string): EncodedRun {
  if (samples === undefined || samples.length === 0) return EMPTY_RUN;
  let ordered = samples;
  for (let i = 1; i < samples.length; i++) {
    if (sampleMs(samples[i]![0]) <= sampleMs(samples[i - 1]![0])) {
      // Prometheus writes samples in time order; anything else is sorted, first of a time kept.
      const seen = new Set<number>();
      ordered = [...samples].sort((a, b) => sampleMs(a[0]) - sampleMs(b[0])).filter((s) => !seen.has(sampleMs(s[0])) && seen.add(sampleMs(s[0])));
      break;
    }
  }
  const times = new Float64Array(ordered.length);
  const offsets = new Uint32Array(ordered.length + 1);
  const parts: string[] = new Array<string>(ordered.length);
  let at = 0;
  for (let i = 0; i < ordered.length; i++) {
    times[i] = sampleMs(ordered[i]![0]);
    offsets[i] = at;
    // Sample text is ASCII (numbers, Go-escaped strings) except inside histogram objects.
    const piece = `${write(ordered[i]!)},`;
    parts[i] = piece;
    at += Buffer.byteLength(piece);
  }
  offsets[ordered.length] = at;
  return { times, text: Buffer.from(parts.join('')), offsets };
}

function encodeHead(pairs: ReadonlyArray<readonly [string, string]>): Buffer {
  return Buffer.from(`{"metric":{${pairs.map(([name, value]) => `${goJson(name)}:${goJson(value)}`).join(',')}}`);
}

/** Encodes a parsed matrix once; series come out sorted by labels.Compare, empty ones dropped. */
export function encodeMatrix(m: Matrix): EncodedMatrix {
  const out: EncodedSeries[] = [];
  for (const s of m) {
    const pairs = labelPairs(s.metric);
    const floats = encodeRun(s.values, writeSample);
    const histograms = encodeRun(s.histograms, writeHistogramSample);
    if (floats.times.length === 0 && histograms.times.length === 0) continue;
    out.push({ key: JSON.stringify(pairs), pairs, head: encodeHead(pairs), floats, histograms });
  }
  return sortedUnique(out);
}

/** Sorted by labels.Compare; of two series with one label set (not from Prometheus) the first is kept. */
function sortedUnique(series: EncodedSeries[]): EncodedSeries[] {
  let sorted = true;
  for (let i = 1; i < series.length && sorted; i++) sorted = comparePairs(series[i - 1]!.pairs, series[i]!.pairs) < 0;
  if (sorted) return series;
  const seen = new Set<string>();
  return series.filter((s) => !seen.has(s.key) && seen.add(s.key)).sort((a, b) => comparePairs(a.pairs, b.pairs));
}

/** First index whose time is >= ms. */
function lowerBound(times: Float64Array, ms: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Samples i..j-1 of a run, as views (compact() copies what is kept). */
function sliceRun(run: EncodedRun, i: number, j: number): EncodedRun {
  if (i === 0 && j === run.times.length) return run;
  if (i >= j) return EMPTY_RUN;
  const base = run.offsets[i]!;
  const text = run.text.subarray(base, run.offsets[j]);
  const offsets = run.offsets.subarray(i, j + 1).map((o) => o - base);
  return { times: run.times.subarray(i, j), text, offsets };
}

function cropRun(run: EncodedRun, extent: Extent): EncodedRun {
  return sliceRun(run, lowerBound(run.times, extent.start), lowerBound(run.times, extent.end + 1));
}

/**
 * Samples with extent.start <= t <= extent.end; series left empty dropped. Views into `m` (cheap,
 * for answers) unless `copy` (for what is kept, so the cropped-off bytes are freed).
 */
export function cropEncoded(m: EncodedMatrix, extent: Extent, copy = false): EncodedMatrix {
  const out: EncodedSeries[] = [];
  for (const s of m) {
    const floats = cropRun(s.floats, extent);
    const histograms = cropRun(s.histograms, extent);
    if (floats.times.length === 0 && histograms.times.length === 0) continue;
    const cropped = floats === s.floats && histograms === s.histograms ? s : { ...s, floats, histograms };
    out.push(copy ? compact(cropped) : cropped);
  }
  return out;
}

/**
 * One series in memory of its own: head and texts in one unpooled buffer, times and offsets in
 * their own arrays. Small Buffers are slices of Node's shared 8 KiB pool and would keep whole
 * slabs alive (and other series' cropped-off bytes) beyond what the cache counts.
 */
function compact(s: EncodedSeries): EncodedSeries {
  const own = Buffer.allocUnsafeSlow(s.head.length + s.floats.text.length + s.histograms.text.length);
  s.head.copy(own, 0);
  s.floats.text.copy(own, s.head.length);
  s.histograms.text.copy(own, s.head.length + s.floats.text.length);
  const run = (r: EncodedRun, at: number): EncodedRun =>
    r.times.length === 0 ? EMPTY_RUN : { times: r.times.slice(), text: own.subarray(at, at + r.text.length), offsets: r.offsets.slice() };
  return {
    key: s.key,
    pairs: s.pairs,
    head: own.subarray(0, s.head.length),
    floats: run(s.floats, s.head.length),
    histograms: run(s.histograms, s.head.length + s.floats.text.length),
  };
}

/** Runs concatenated in order: the precondition is that each ends before the next begins. */
function concatRuns(runs: readonly EncodedRun[]): EncodedRun {
  const present = runs.filter((r) => r.times.length > 0);
  if (present.length <= 1) return present[0] ?? EMPTY_RUN;
  const n = present.reduce((k, r) => k + r.times.length, 0);
  const times = new Float64Array(n);
  const offsets = new Uint32Array(n + 1);
  let at = 0;
  let bytes = 0;
  for (const r of present) {
    times.set(r.times, at);
    for (let i = 0; i < r.times.length; i++) offsets[at + i] = r.offsets[i]! + bytes;
    at += r.times.length;
    bytes += r.text.length;
  }
  offsets[n] = bytes;
  return { times, text: Buffer.concat(present.map((r) => r.text), bytes), offsets };
}

/** Runs merged by time; at one time the earliest run in `runs` wins. */
function mergeRuns(runs: readonly EncodedRun[]): EncodedRun {
  const present = runs.filter((r) => r.times.length > 0);
  if (present.length <= 1) return present[0] ?? EMPTY_RUN;
  const disjoint = present.every((r, i) => i === 0 || present[i - 1]!.times[present[i - 1]!.times.length - 1]! < r.times[0]!);
  if (disjoint) return concatRuns(present);
  // Interleaved (a part fetched inside a kept extent's gap): one sample at a time, rare.
  const pieces: EncodedRun[] = [];
  const at = present.map(() => 0);
  for (;;) {
    let best = -1;
    for (let k = 0; k < present.length; k++) {
      if (at[k]! < present[k]!.times.length && (best < 0 || present[k]!.times[at[k]!]! < present[best]!.times[at[best]!]!)) best = k;
    }
    if (best < 0) break;
    const t = present[best]!.times[at[best]!]!;
    pieces.push(sliceRun(present[best]!, at[best]!, at[best]! + 1));
    for (let k = 0; k < present.length; k++) while (at[k]! < present[k]!.times.length && present[k]!.times[at[k]!]! === t) at[k]!++;
  }
  return concatRuns(pieces);
}

/**
 * Matrices of parts of one window merged: series with one label set become one, samples by time,
 * the earliest part winning at a time both carry (as mergeMatrices).
 */
export function mergeEncoded(parts: readonly EncodedMatrix[]): EncodedMatrix {
  const present = parts.filter((p) => p.length > 0);
  if (present.length <= 1) return present[0] ?? [];
  const out: EncodedSeries[] = [];
  for (const members of groupByKey(present).values()) {
    const first = members[0]!;
    out.push(
      members.length === 1
        ? first
        : { ...first, floats: mergeRuns(members.map((s) => s.floats)), histograms: mergeRuns(members.map((s) => s.histograms)) },
    );
  }
  return out.sort((a, b) => comparePairs(a.pairs, b.pairs));
}

const OPEN = Buffer.from('{"status":"success","data":{"resultType":"matrix","result":[');
const CLOSE = Buffer.from(']}}');
const VALUES = Buffer.from(',"values":[');
const HISTOGRAMS = Buffer.from(',"histograms":[');
const END_RUN = Buffer.from(']');
const END_SERIES = Buffer.from('}');
const COMMA = Buffer.from(',');

/** A run's samples without the last separator, as pieces to copy. */
function pushRun(pieces: Buffer[], label: Buffer, chunks: readonly EncodedRun[]): void {
  const present = chunks.filter((c) => c.times.length > 0);
  if (present.length === 0) return;
  pieces.push(label);
  for (let i = 0; i < present.length; i++) {
    const text = present[i]!.text;
    pieces.push(i === present.length - 1 ? text.subarray(0, text.length - 1) : text);
  }
  pieces.push(END_RUN);
}

/**
 * The success body Prometheus writes for the concatenation of `parts`, which cover disjoint time
 * ranges in ascending order (kept extents, then fetched ones): a series' samples are its parts'
 * samples end to end. The only work is copying bytes.
 */
export function writeRangeBody(parts: readonly EncodedMatrix[]): Buffer {
  const present = parts.filter((p) => p.length > 0);
  const series: EncodedSeries[][] =
    present.length <= 1
      ? (present[0] ?? []).map((s) => [s])
      : [...groupByKey(present).values()].sort((a, b) => comparePairs(a[0]!.pairs, b[0]!.pairs));
  const pieces: Buffer[] = [OPEN];
  let first = true;
  for (const members of series) {
    if (!first) pieces.push(COMMA);
    first = false;
    pieces.push(members[0]!.head);
    pushRun(pieces, VALUES, members.map((s) => s.floats));
    pushRun(pieces, HISTOGRAMS, members.map((s) => s.histograms));
    pieces.push(END_SERIES);
  }
  pieces.push(CLOSE);
  return Buffer.concat(pieces);
}

function groupByKey(parts: readonly EncodedMatrix[]): Map<string, EncodedSeries[]> {
  const groups = new Map<string, EncodedSeries[]>();
  for (const part of parts) {
    for (const s of part) {
      const group = groups.get(s.key);
      if (group === undefined) groups.set(s.key, [s]);
      else group.push(s);
    }
  }
  return groups;
}

// Heap bytes beyond the text (measured on Node 20, test/unit/cache/entry-size.test.ts): the series
// and run objects, typed-array and Buffer wrappers and their backing stores, and per label the
// pair array and its two strings.
const SERIES_OVERHEAD = 1_200;
const LABEL_OVERHEAD = 96;

/** Bytes an encoded matrix holds: its text, times (8 B), offsets (4 B), allocation slack, per-series and per-label overhead. */
export function encodedBytes(m: EncodedMatrix): number {
  let bytes = 64;
  for (const s of m) {
    bytes += SERIES_OVERHEAD + 2 * s.key.length + s.head.length;
    for (const [name, value] of s.pairs) bytes += LABEL_OVERHEAD + 2 * (name.length + value.length);
    for (const r of [s.floats, s.histograms]) bytes += r.text.length + 16 * r.times.length + 4;
  }
  return bytes;
}

/** Grid points (float and histogram samples) an encoded matrix holds, for tests and accounting. */
export function encodedSamples(m: EncodedMatrix): number {
  return m.reduce((n, s) => n + s.floats.times.length + s.histograms.times.length, 0);
}
