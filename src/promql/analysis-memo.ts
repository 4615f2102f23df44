import { type AnalyzeParams, analyzeQuery, type QueryAnalysis, type QueryAnalysisFailure } from './analyze.js';

/**
 * Dashboards send the same few hundred queries again and again; parsing each with the PromQL
 * grammar on every request was 4% of promgate's CPU on the miss path. Results are pure functions
 * of (query, step, range), so they are remembered, up to `capacity` entries (then forgotten
 * wholesale: simpler than an LRU, and a working set that large gains little from the memo).
 */
export class AnalysisMemo {
  readonly #entries = new Map<string, QueryAnalysis | QueryAnalysisFailure>();

  /** Queries longer than `maxQueryLength` are analysed every time: keeping them could hold megabytes of keys. */
  constructor(readonly capacity = 4096, readonly maxQueryLength = 4096) {}

  analyze(expr: string, params: AnalyzeParams = {}): QueryAnalysis | QueryAnalysisFailure {
    if (expr.length > this.maxQueryLength) return analyzeQuery(expr, params);
    const key = `${params.stepMs ?? ''}\u0000${params.rangeMs ?? ''}\u0000${expr}`;
    let result = this.#entries.get(key);
    if (result === undefined) {
      result = analyzeQuery(expr, params);
      if (this.#entries.size >= this.capacity) this.#entries.clear();
      this.#entries.set(key, result);
    }
    return result;
  }
}
