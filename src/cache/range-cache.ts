import type { CacheConfig } from '../config/index.js';
import type { QueryAnalysis } from '../promql/index.js';
import {
  alignToGrid,
  alignedSteps,
  cropEncoded,
  type EncodedMatrix,
  encodedBytes,
  encodeMatrix,
  type Extent,
  floorToGrid,
  mergeEncoded,
  mergeExtents,
  missingExtents,
  parseRangeResponse,
  splitOnGrid,
  writeRangeBody,
} from '../timeseries/index.js';
import type { CacheResult } from './cache-observer.js';
import type { CacheStore, RangeEntry } from './cache-store.js';
import { lastSettledEvalTime, settledHorizon } from './settled.js';

/** Prometheus refuses a range query of more than 11,000 points per series (api.go). */
const MAX_POINTS_PER_FETCH = 11_000;

export interface RangeWindow {
  /** Cache key of the query on its grid: query, step, phase, every other parameter, identity. */
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly step: number;
  readonly analysis: QueryAnalysis;
}

/** One upstream query_range answer for an extent of the window, on the window's grid. */
export interface PartAnswer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: Buffer;
  readonly seconds: number;
  readonly replica: string;
  /**
   * False when the replicas that served it are not verified to hold every sample it read (a probe
   * has not covered that time yet, or a step had no complete replica): used, but never kept.
   */
  readonly verified?: boolean | undefined;
}

export type FetchPart = (extent: Extent) => Promise<PartAnswer>;

export type RangeOutcome =
  | {
      readonly kind: 'merged';
      /** Assembled by copying kept and fetched bytes (see timeseries/encoded-matrix.ts). */
      readonly body: Buffer;
      /** The replica's answer headers, framing and coding removed. */
      readonly headers: Readonly<Record<string, string | string[]>>;
      readonly result: Exclude<CacheResult, 'bypass'>;
      readonly replicas: string[];
      readonly savedSeconds: number;
    }
  /** Something was not a plain matrix (an error, a warning): the whole window, from upstream, as is. */
  | { readonly kind: 'whole'; readonly answer: PartAnswer };

/**
 * Delta caching of range queries. For one query on one grid it keeps the matrix of the settled
 * part of every window fetched so far; a new window is answered from those extents plus fetches
 * of only the grid points missing, and the data newer than the freshness horizon is always
 * fetched. Prometheus evaluates each step on its own, so pieces fetched on the same grid merge
 * into exactly the answer for the whole window. Answers with warnings are never stitched: a
 * warning belongs to the window it was computed for.
 */
export class RangeCache {
  readonly #store: CacheStore;
  readonly #cfg: Pick<CacheConfig, 'freshness' | 'ttl'>;

  constructor(store: CacheStore, cfg: Pick<CacheConfig, 'freshness' | 'ttl'>) {
    this.#store = store;
    this.#cfg = cfg;
  }

  async answer(w: RangeWindow, fetchPart: FetchPart, nowMs: number): Promise<RangeOutcome> {
    const want = alignToGrid(w.start, w.end, w.step)!;
    const lastSettled = lastSettledEvalTime(w.analysis, settledHorizon(nowMs, this.#cfg.freshness), w);
    const settled: Extent | undefined =
      lastSettled >= want.start ? { start: want.start, end: floorToGrid(Math.min(want.end, lastSettled), want.start, w.step) } : undefined;
    const fresh: Extent | undefined = !settled ? want : settled.end < want.end ? { start: settled.end + w.step, end: want.end } : undefined;

    const entry = this.#rangeEntry(w.key);
    const missing = settled ? missingExtents(entry?.extents ?? [], settled, w.step) : [];
    const missingParts = missing.flatMap((e) => splitOnGrid(e, w.step, MAX_POINTS_PER_FETCH));
    const freshParts = fresh ? splitOnGrid(fresh, w.step, MAX_POINTS_PER_FETCH) : [];
    const parts = [...missingParts, ...freshParts];

    const fetched = await Promise.all(parts.map(fetchPart));
    const parsed = fetched.map((a) => (a.statusCode === 200 ? parseRangeResponse(a.body) : undefined));
    if (parsed.some((p) => p === undefined || p.warnings || p.infos)) {
      const only = parts.length === 1 && parts[0]!.start === want.start && parts[0]!.end === want.end;
      return { kind: 'whole', answer: only ? fetched[0]! : await fetchPart(want) };
    }
    // Only what was fetched is parsed and encoded; what is kept is already bytes.
    const encoded = parsed.map((p) => encodeMatrix(p!.matrix));
    const missingEncoded = encoded.slice(0, missingParts.length);
    const freshEncoded = encoded.slice(missingParts.length);

    let stored: EncodedMatrix = entry?.series ?? [];
    const keep = missingParts.map((_, i) => fetched[i]!.verified !== false);
    if (settled && keep.some(Boolean)) {
      stored = this.#keep(
        w,
        want,
        entry,
        missingParts.filter((_, i) => keep[i]),
        missingEncoded.filter((_, i) => keep[i]),
        fetched.slice(0, missingParts.length).filter((_, i) => keep[i]),
      );
    }
    // Parts not kept are still part of this answer.
    const unkept = missingParts.flatMap((e, i) => (keep[i] ? [] : [cropEncoded(missingEncoded[i]!, e)]));
    const settledPart = settled ? cropEncoded(stored, settled) : [];
    // Kept settled steps, then fetched fresh steps: disjoint and in time order.
    const body = writeRangeBody([unkept.length > 0 ? mergeEncoded([settledPart, ...unkept]) : settledPart, ...freshEncoded]);
    const settledPoints = settled ? alignedSteps(settled, w.step) : 0;
    const cachedPoints = settledPoints - missingParts.reduce((n, e) => n + alignedSteps(e, w.step), 0);
    return {
      kind: 'merged',
      body,
      headers: fetched.length > 0 ? answerHeaders(fetched[0]!.headers) : (entry?.headers ?? DEFAULT_HEADERS),
      result: parts.length === 0 ? 'hit' : cachedPoints > 0 ? 'partial' : 'miss',
      replicas: [...new Set(fetched.map((f) => f.replica))],
      savedSeconds: cachedPoints * (entry?.secondsPerPoint ?? 0),
    };
  }

  #rangeEntry(key: string): RangeEntry | undefined {
    const e = this.#store.get(key);
    return e?.kind === 'range' ? e : undefined;
  }

  /** Adds the settled extents just fetched to the entry; keeps at most one window's length of history before this window. */
  #keep(w: RangeWindow, want: Extent, entry: RangeEntry | undefined, parts: Extent[], matrices: EncodedMatrix[], answers: PartAnswer[]): EncodedMatrix {
    const keepFrom = want.start - (want.end - want.start);
    const extents = mergeExtents([...(entry?.extents ?? []), ...parts], w.step)
      .filter((e) => e.end >= keepFrom)
      .map((e) => (e.start < keepFrom ? { start: floorToGrid(keepFrom, e.start, w.step) + (floorToGrid(keepFrom, e.start, w.step) < keepFrom ? w.step : 0), end: e.end } : e));
    const lo = extents.reduce((m, e) => Math.min(m, e.start), Infinity);
    const merged = mergeEncoded([...(entry ? [entry.series] : []), ...matrices.map((m, i) => cropEncoded(m, parts[i]!))]);
    // Copied when cropped, so history slid out of the window is freed, not kept alive by a view.
    const series = Number.isFinite(lo) ? cropEncoded(merged, { start: lo, end: Number.MAX_SAFE_INTEGER }, true) : merged;
    const points = parts.reduce((n, e) => n + alignedSteps(e, w.step), 0);
    const seconds = answers.reduce((s, a) => s + a.seconds, 0);
    const secondsPerPoint = points > 0 ? seconds / points : (entry?.secondsPerPoint ?? 0);
    const headers = answerHeaders(answers[0]!.headers);
    // A TTL of 0 means "never kept" here; lru-cache would read it as "forever".
    if (this.#cfg.ttl > 0) this.#store.set(w.key, { kind: 'range', extents, series, secondsPerPoint, headers, bytes: encodedBytes(series) }, this.#cfg.ttl);
    return series;
  }
}

const DEFAULT_HEADERS = Object.freeze({ 'content-type': 'application/json' });
const NOT_COPIED = new Set(['content-length', 'content-encoding', 'date', 'transfer-encoding']);

/** A part's headers minus what belongs to that one message (its length, coding and date). */
function answerHeaders(headers: Readonly<Record<string, string | string[]>>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (!NOT_COPIED.has(name) && !name.startsWith('x-promgate-')) out[name] = value;
  return out;
}
