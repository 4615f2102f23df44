import { fnv1a32 } from '../routing/rendezvous-hash.js';

/** What the runner predicts a request's latency from: a size class, and the query's own fingerprint. */
export interface CostClass {
  readonly latencyClass: string;
  readonly costKey?: string | undefined;
}

/**
 * The cost class of a PromQL evaluation: what it costs grows with the steps evaluated and with how
 * far back each step reads, so both go into the class, in powers of two. A dashboard's 6 h panel
 * and the one-step delta fetch of the same panel land in different classes, and neither is hedged
 * on the latency of the other. The fingerprint (query text, steps class) is more specific still.
 */
export function costClassOf(endpoint: string, query: string, points: number, lookbehindMs: number | undefined): CostClass {
  const p = log2Class(points);
  const r = lookbehindMs === undefined ? 'x' : String(log2Class(lookbehindMs / 60_000));
  return { latencyClass: `${endpoint}:p${p}:r${r}`, costKey: `${endpoint}:p${p}:${fnv1a32(query).toString(36)}:${query.length}` };
}

function log2Class(n: number): number {
  return n <= 1 ? 0 : Math.ceil(Math.log2(n));
}
