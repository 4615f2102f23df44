import { lastSettledEvalTime, settledHorizon } from '../cache/settled.js';
import type { CacheConfig } from '../config/index.js';
import { type AnalyzeParams, analyzeQuery, type QueryAnalysis, type QueryAnalysisFailure } from '../promql/index.js';
import { type NormalizedRequest, requestKey } from '../query/index.js';

/**
 * What the gateway does with one request, decided from the request and the clock alone:
 * - passthrough: straight to a replica with the client's own signal (streams, remote read,
 *   anything we cannot normalize exactly, and `Cache-Control: no-cache`);
 * - shared: identical requests in flight share one evaluation; with `ttlMs`, a 200 answer is kept;
 * - range: a query_range answered by the delta cache.
 */
export type Plan =
  | { readonly kind: 'passthrough'; readonly cacheHeader?: 'bypass' }
  | { readonly kind: 'shared'; readonly key: string; readonly ttlMs?: number }
  | {
      readonly kind: 'range';
      readonly key: string;
      readonly rangeKey: string;
      readonly request: Extract<NormalizedRequest, { endpoint: 'query_range' }>;
      readonly analysis: QueryAnalysis;
    };

export interface PlanInput {
  /** Only GET and POST are shared: HEAD and OPTIONS get different answers (405, 204 + CORS). */
  readonly method: string;
  readonly normalized: NormalizedRequest | undefined;
  /** Hash of the client's identity headers, when it sent any. */
  readonly identity: string | undefined;
  /** The content coding asked of the replica (gzip, deflate) or none: answers are kept apart by it. */
  readonly encoding: string | undefined;
  readonly noCache: boolean;
  readonly nowMs: number;
}

const SHARED_METHODS = new Set(['GET', 'POST']);
const METADATA = new Set(['labels', 'series', 'label_values', 'metadata']);
const SHAREABLE = new Set(['query', 'query_range', 'query_exemplars', 'format_query', 'parse_query', ...METADATA]);
// Parameters whose effect a stitched answer cannot reproduce: per-window stats, a series limit.
const UNSTITCHABLE_PARAMS = new Set(['stats', 'limit']);

export type Analyze = (expr: string, params?: AnalyzeParams) => QueryAnalysis | QueryAnalysisFailure;

/** Shared, and kept for `ttlMs` when it is positive (lru-cache reads a TTL of 0 as "forever"). */
function shared(key: string, ttlMs?: number): Plan {
  return ttlMs !== undefined && ttlMs > 0 ? { kind: 'shared', key, ttlMs } : { kind: 'shared', key };
}

export function planRequest(input: PlanInput, cfg: CacheConfig, analyze: Analyze = analyzeQuery): Plan {
  const n = input.normalized;
  if (!n || !SHARED_METHODS.has(input.method) || !SHAREABLE.has(n.endpoint) || (!cfg.enabled && !cfg.coalesce)) return { kind: 'passthrough' };
  if (input.noCache) return { kind: 'passthrough', cacheHeader: 'bypass' };
  // One canonical text per request: a range query's key is its grid's key plus the window's ends.
  const rangeKey = n.endpoint === 'query_range' ? rangeKeyOf(n, input.identity) : undefined;
  const canonical = n.endpoint === 'query_range' ? `${rangeKey}|${n.start}|${n.end}` : requestKey(n, input.identity);
  const key = `${canonical}:${input.encoding ?? 'identity'}`;
  if (!cfg.enabled) return { kind: 'shared', key };
  const horizon = settledHorizon(input.nowMs, cfg.freshness);

  if (n.endpoint === 'query') {
    // No `time` means "now": never from cache, only shared while in flight.
    if (n.time === undefined) return { kind: 'shared', key };
    const analysis = analyze(n.query);
    const settled = analysis.ok && n.time <= lastSettledEvalTime(analysis, horizon, { start: n.time, end: n.time });
    return shared(key, settled ? cfg.ttl : undefined);
  }
  if (n.endpoint === 'query_range') {
    const analysis = analyze(n.query, { stepMs: n.step, rangeMs: n.end - n.start });
    if (!analysis.ok) return { kind: 'shared', key };
    if (!analysis.dependsOnWindow && !n.params.some(([name]) => UNSTITCHABLE_PARAMS.has(name))) {
      return { kind: 'range', key, rangeKey: rangeKey!, request: n, analysis };
    }
    const settled = n.end <= lastSettledEvalTime(analysis, horizon, n);
    return shared(key, settled ? cfg.ttl : undefined);
  }
  if (METADATA.has(n.endpoint)) return shared(key, cfg.metadata_ttl);
  return { kind: 'shared', key };
}

/** One range query on one grid: everything but the window's ends, and the grid's phase instead. */
export function rangeKeyOf(n: Extract<NormalizedRequest, { endpoint: 'query_range' }>, identity: string | undefined): string {
  const phase = ((n.start % n.step) + n.step) % n.step;
  return JSON.stringify(['range/v1', n.query, n.step, phase, n.params, identity ?? null]);
}
