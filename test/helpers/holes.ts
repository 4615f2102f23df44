// Three replicas of the same 6h of demo data, two of them with an outage each, and the request
// cases and comparison that tell whether promgate in front of the holed pair answers exactly like
// the complete one (the truth).
//
//   A: missing [start+1h, start+1h30m)      B: missing [start+3h, start+3h30m)      C: complete
//
// The holes are 1h30m apart, so a query that reads less than that per evaluation never needs both
// holes filled at once: for every step there is a replica holding everything that step reads.

import { canonicalResponse } from './canonical-response.js';
import { startReplicas, type ReplicaCluster, type StartReplicasOptions } from './cluster.js';
import { DATA_END_MS, DATA_START_MS, type TimeRange } from './openmetrics.js';
import type { PrometheusHandle } from './prometheus.js';
import { mapLimit, requestBytes } from './request-bytes.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** Replica A's outage: [start+1h, start+1h30m). */
export const HOLE_A: TimeRange = { startMs: DATA_START_MS + HOUR_MS, endMs: DATA_START_MS + HOUR_MS + 30 * MINUTE_MS };
/** Replica B's outage: [start+3h, start+3h30m). */
export const HOLE_B: TimeRange = { startMs: DATA_START_MS + 3 * HOUR_MS, endMs: DATA_START_MS + 3 * HOUR_MS + 30 * MINUTE_MS };

export interface HoleReplicas {
  readonly cluster: ReplicaCluster;
  /** Missing HOLE_A. */
  readonly a: PrometheusHandle;
  /** Missing HOLE_B. */
  readonly b: PrometheusHandle;
  /** Complete: the truth. */
  readonly c: PrometheusHandle;
  stopAll(): Promise<void>;
}

/** Starts A, B and C (names `holes-0`, `holes-1`, `holes-2`) over the default 6h of data. */
export async function startHoleReplicas(opts: Omit<StartReplicasOptions, 'holes' | 'namePrefix' | 'data'> = {}): Promise<HoleReplicas> {
  const cluster = await startReplicas(3, { ...opts, namePrefix: 'holes', holes: [[HOLE_A], [HOLE_B], undefined] });
  const [a, b, c] = cluster.replicas as [PrometheusHandle, PrometheusHandle, PrometheusHandle];
  return { cluster, a, b, c, stopAll: () => cluster.stopAll() };
}

/** Which holes a case's reads can reach. */
export type HoleSpan = 'A' | 'B' | 'both' | 'none';

export type RequestCase =
  | {
      readonly kind: 'range';
      readonly name: string;
      readonly span: HoleSpan;
      /** Unix seconds, as sent. */
      readonly start: number;
      readonly end: number;
      /** Seconds. */
      readonly step: number;
    }
  | {
      readonly kind: 'instant';
      readonly name: string;
      readonly span: HoleSpan;
      /** Unix seconds, as sent. */
      readonly time: number;
    };

/** What the corpus must say about a query to be run through the cases. */
export interface CorpusQuery {
  readonly query: string;
  /** Evaluates to a range vector: /api/v1/query only (query_range rejects it). */
  readonly instantOnly?: boolean;
}

const s = (ms: number): number => ms / 1000;
const hhmm = (ms: number): string => {
  const m = Math.round((ms - DATA_START_MS) / MINUTE_MS);
  return `start+${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
};

/**
 * Range windows over only A's hole, only B's hole, both, and neither, each at steps 15s, 30s and
 * 1m and once with a start off the step grid; then instant queries inside each hole and after each
 * hole ends: at the end itself, within the 5m lookback, and within a 1h range of it. The "none"
 * windows start 1h15m after B's hole, beyond the reach of every query in ha-corpus.ts (bar `@`).
 */
export function buildHoleCases(): RequestCase[] {
  const windows: { span: HoleSpan; startMs: number; endMs: number }[] = [
    { span: 'A', startMs: HOLE_A.startMs - 20 * MINUTE_MS, endMs: HOLE_A.endMs + 20 * MINUTE_MS },
    { span: 'B', startMs: HOLE_B.startMs - 20 * MINUTE_MS, endMs: HOLE_B.endMs + 20 * MINUTE_MS },
    { span: 'both', startMs: HOLE_A.startMs - 30 * MINUTE_MS, endMs: HOLE_B.endMs + 30 * MINUTE_MS },
    { span: 'none', startMs: HOLE_B.endMs + 75 * MINUTE_MS, endMs: DATA_END_MS - 15 * MINUTE_MS },
  ];
  const cases: RequestCase[] = [];
  for (const w of windows) {
    for (const step of [15, 30, 60]) {
      cases.push({ kind: 'range', name: `range ${w.span} ${hhmm(w.startMs)}..${hhmm(w.endMs)} step ${step}s`, span: w.span, start: s(w.startMs), end: s(w.endMs), step });
    }
    // Off the grid by a fraction of a second too: slices of it must keep the client's own grid.
    const start = s(w.startMs) + 17.25;
    cases.push({ kind: 'range', name: `range ${w.span} ${hhmm(w.startMs)}+17.25s..${hhmm(w.endMs)} step 60s (unaligned)`, span: w.span, start, end: s(w.endMs), step: 60 });
  }
  const instants: { span: HoleSpan; ms: number; what: string }[] = [];
  for (const [span, hole] of [['A', HOLE_A], ['B', HOLE_B]] as const) {
    instants.push(
      { span, ms: hole.startMs, what: 'at the hole start' },
      { span, ms: hole.startMs + 2 * MINUTE_MS, what: 'inside the hole, within the lookback of its start' },
      { span, ms: hole.startMs + 17 * MINUTE_MS + 500, what: 'inside the hole, beyond the lookback' },
      { span, ms: hole.endMs, what: 'at the hole end (first sample back)' },
      { span, ms: hole.endMs + 2 * MINUTE_MS + 7_000, what: 'after the hole, within the lookback' },
      { span, ms: hole.endMs + 40 * MINUTE_MS, what: 'after the hole, within a 1h range' },
    );
  }
  instants.push({ span: 'none', ms: DATA_START_MS + 5 * HOUR_MS + 7 * MINUTE_MS, what: 'far from both holes' });
  for (const i of instants) {
    cases.push({ kind: 'instant', name: `instant ${i.span} ${hhmm(i.ms)} (${i.what})`, span: i.span, time: s(i.ms) });
  }
  return cases;
}

export interface RequestPair<Q extends CorpusQuery = CorpusQuery> {
  readonly query: Q;
  readonly case: RequestCase;
  /** Path and query string, e.g. `/api/v1/query?query=...&time=...`. */
  readonly path: string;
}

/** Every (query, case) pair that makes sense: range-vector queries only with instant cases. Query-major order. */
export function requestPairs<Q extends CorpusQuery>(cases: readonly RequestCase[], corpus: readonly Q[]): RequestPair<Q>[] {
  return corpus.flatMap((query) =>
    cases
      .filter((c) => c.kind === 'instant' || query.instantOnly !== true)
      .map((c) => {
        const params: Record<string, string> =
          c.kind === 'instant'
            ? { query: query.query, time: String(c.time) }
            : { query: query.query, start: String(c.start), end: String(c.end), step: String(c.step) };
        const endpoint = c.kind === 'instant' ? '/api/v1/query' : '/api/v1/query_range';
        return { query, case: c, path: `${endpoint}?${new URLSearchParams(params).toString()}` };
      }),
  );
}

export interface ComparedAnswer {
  /** HTTP status, or 0 when the request itself failed. */
  readonly status: number;
  /** canonicalResponse(body) when the body is JSON, else the body (or the error) as text. */
  readonly canonical: string;
}

export interface Mismatch<Q extends CorpusQuery = CorpusQuery> extends RequestPair<Q> {
  readonly got: ComparedAnswer;
  readonly want: ComparedAnswer;
}

export interface CompareOptions {
  /** Requests in flight at most, per side; default 8. */
  readonly concurrency?: number;
  /**
   * Answers of the truth by path, filled as they are fetched and reused when present: pass one map
   * to several calls against the same truth to ask it only once per pair.
   */
  readonly truth?: Map<string, ComparedAnswer>;
}

async function answer(url: string): Promise<ComparedAnswer> {
  try {
    const res = await requestBytes(url, { timeoutMs: 60_000 });
    const text = res.body.toString('utf8');
    let canonical: string;
    try {
      canonical = canonicalResponse(text);
    } catch {
      canonical = text;
    }
    return { status: res.status, canonical };
  } catch (err) {
    return { status: 0, canonical: `request failed: ${(err as Error).message}` };
  }
}

/**
 * Runs every (query, case) pair through `gatewayUrl` and through `truthUrl` and returns the pairs
 * whose status or canonical body differ (instant vectors compare up to series order, see
 * canonical-response.ts). `gatewayUrl` may be a list: pair i then goes to url[i % length], which
 * emulates a round-robin balancer in front of those replicas.
 */
export async function compareThrough<Q extends CorpusQuery>(
  gatewayUrl: string | readonly string[],
  truthUrl: string,
  cases: readonly RequestCase[],
  corpus: readonly Q[],
  opts: CompareOptions = {},
): Promise<Mismatch<Q>[]> {
  const targets = typeof gatewayUrl === 'string' ? [gatewayUrl] : gatewayUrl;
  if (targets.length === 0) throw new Error('compareThrough: no gateway URL');
  const truth = opts.truth ?? new Map<string, ComparedAnswer>();
  const pairs = requestPairs(cases, corpus);
  const found = await mapLimit(pairs, opts.concurrency ?? 8, async (pair, i) => {
    const known = truth.get(pair.path);
    const [got, want] = await Promise.all([
      answer(targets[i % targets.length]! + pair.path),
      known ?? answer(truthUrl + pair.path).then((w) => (truth.set(pair.path, w), w)),
    ]);
    return got.status === want.status && got.canonical === want.canonical ? undefined : { ...pair, got, want };
  });
  return found.filter((m): m is Mismatch<Q> => m !== undefined);
}
