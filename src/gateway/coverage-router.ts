import type { HaConfig } from '../config/index.js';
import { type Candidate, type CoverageMap, type CoverageRoute, dataWindow, type DataWindow, overlaps, routeByCoverage } from '../ha/index.js';
import { pinStartEnd, type QueryAnalysis, type QueryAnalysisFailure } from '../promql/index.js';
import { parsePrometheusDuration, parsePrometheusTime, type NormalizedRequest } from '../query/index.js';

export interface CoverageRouterDeps {
  readonly map: CoverageMap;
  /** Live replicas, in preference order. */
  readonly live: () => readonly string[];
  readonly analyze: (query: string) => QueryAnalysis | QueryAnalysisFailure;
}

/** A coverage decision for one query, with what it was made from (the split needs it). */
export type QueryRoute = CoverageRoute & {
  readonly window?: DataWindow;
  readonly candidates?: readonly Candidate[];
  /** The query to send for slices, when it differs from the client's (`@ start()` made absolute). */
  readonly sliceQuery?: string;
};

const ANY: QueryRoute = Object.freeze({ kind: 'any' });

/**
 * Decides, per request, which replicas may answer it given their holes: the gateway's side of
 * ha/. Queries are routed by what they read (their data window); label and series lookups by the
 * time range they ask about; /federate by its lookback.
 */
export class CoverageRouter {
  readonly #cfg: HaConfig;
  readonly #deps: CoverageRouterDeps;

  constructor(cfg: HaConfig, deps: CoverageRouterDeps) {
    this.#cfg = cfg;
    this.#deps = deps;
  }

  get map(): CoverageMap {
    return this.#deps.map;
  }

  candidates(): Candidate[] {
    return this.#deps.live().map((name) => ({ name, gaps: this.#deps.map.gapsOf(name) }));
  }

  /** query (time defaults to now) and query_range, on the client's own grid. */
  forQuery(n: Extract<NormalizedRequest, { endpoint: 'query' | 'query_range' }>, nowMs: number): QueryRoute {
    // The common case, replicas with no known hole: nothing to analyse.
    if (!this.#cfg.enabled || !this.#deps.map.hasGaps) return ANY;
    const analysis = this.#deps.analyze(n.query);
    if (!analysis.ok) return ANY;
    // Prometheus evaluates start, start + step, … up to end: the last step may fall short of end.
    const grid =
      n.endpoint === 'query'
        ? { start: n.time ?? nowMs, end: n.time ?? nowMs, step: 1 }
        : { start: n.start, end: n.start + Math.floor((n.end - n.start) / n.step) * n.step, step: n.step };
    try {
      // @ start() / @ end() resolve against the client's own window, not the grid's last step.
      let window = dataWindow(analysis, this.#lookback(n.params), n.endpoint === 'query' ? grid : { start: n.start, end: n.end });
      // `@ start()` / `@ end()` made absolute let a window be split after all.
      const sliceQuery = n.endpoint === 'query_range' && analysis.usesAtStartEnd && !analysis.usesRangeFn ? pinStartEnd(n.query, n.start, n.end) : undefined;
      if (sliceQuery !== undefined) window = { ...window, splittable: true };
      const candidates = this.candidates();
      return { ...routeByCoverage(grid, window, candidates), window, candidates, ...(sliceQuery !== undefined ? { sliceQuery } : {}) };
    } catch {
      // A grid the planner cannot take (Prometheus would refuse it too): route as usual, let the replica answer.
      return ANY;
    }
  }

  /**
   * labels, label values and series over [start, end]: a replica with no gap there answers alone
   * (exact); when every live replica has one, they are all asked and their answers merged.
   */
  forTimeRange(params: readonly (readonly [string, string])[]): QueryRoute | { readonly kind: 'union' } {
    if (!this.#cfg.enabled || !this.#deps.map.hasGaps) return ANY;
    const start = timeParam(params, 'start') ?? -Infinity;
    const end = timeParam(params, 'end') ?? Infinity;
    const span = { start: Math.min(start, end), end: Math.max(start, end) + 1 };
    const candidates = this.candidates();
    const clear = candidates.filter((c) => !overlaps(c.gaps, span));
    if (clear.length === candidates.length || candidates.length === 0) return ANY;
    return clear.length > 0 ? { kind: 'only', replicas: clear.map((c) => c.name) } : { kind: 'union' };
  }

  /** /federate reads the last lookback delta before now. */
  forFederate(nowMs: number): QueryRoute {
    if (!this.#cfg.enabled || !this.#deps.map.hasGaps) return ANY;
    const span = { start: nowMs - this.#cfg.lookback_delta, end: nowMs + 1 };
    const candidates = this.candidates();
    const clear = candidates.filter((c) => !overlaps(c.gaps, span));
    if (clear.length === candidates.length || clear.length === 0) return ANY;
    return { kind: 'only', replicas: clear.map((c) => c.name) };
  }

  #lookback(params: readonly (readonly [string, string])[]): number {
    const asked = params.find(([name]) => name === 'lookback_delta')?.[1];
    const ms = asked === undefined ? undefined : (parsePrometheusDuration(asked) ?? secondsToMs(asked));
    return Math.max(this.#cfg.lookback_delta, ms ?? 0);
  }
}

function timeParam(params: readonly (readonly [string, string])[], name: string): number | undefined {
  const text = params.find(([n]) => n === name)?.[1];
  if (text === undefined || text === '') return undefined;
  const ms = parsePrometheusTime(text);
  return ms === undefined || !Number.isFinite(ms) ? undefined : ms;
}

function secondsToMs(text: string): number | undefined {
  const s = Number(text);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : undefined;
}
