/**
 * Query evaluations the replicas performed during a run, from their own counters
 * (prometheus_http_requests_total for /api/v1/query and /api/v1/query_range), so the number
 * does not depend on trusting either front end.
 */
import { countRequests, type PrometheusHandle } from '../../test/helpers/prometheus.js';

const HANDLERS = ['/api/v1/query', '/api/v1/query_range'];

/** What countRequests reads of a handle: a name and a URL. */
export type CounterSource = Pick<PrometheusHandle, 'name' | 'url'>;

async function evaluations(source: CounterSource): Promise<number> {
  // countRequests only reads `name` and `url`, so a remote replica can stand in for a handle.
  const handle = source as PrometheusHandle;
  const counts = await Promise.all(HANDLERS.map((h) => countRequests(handle, h)));
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * Deltas per replica, summed. A counter that went down was reset by a restart: then everything
 * it counted since is new. `bank(i)` (read just before a planned kill) keeps what the replica had
 * counted up to then, which the restart would otherwise lose.
 */
export class UpstreamCounter {
  readonly #sources: readonly CounterSource[];
  #base: Array<number | null> = [];
  #banked = 0;

  constructor(sources: readonly CounterSource[]) {
    this.#sources = sources;
  }

  async start(): Promise<void> {
    this.#banked = 0;
    this.#base = await Promise.all(this.#sources.map((s) => evaluations(s).catch(() => null)));
  }

  async bank(i: number): Promise<void> {
    const source = this.#sources[i];
    if (source === undefined) return;
    const now = await evaluations(source).catch(() => null);
    const base = this.#base[i];
    if (now !== null && base !== null && base !== undefined) this.#banked += deltaOf(base, now);
    this.#base[i] = 0;
  }

  /** The total since start(); `null` if there is nothing to count or a replica could not be read. */
  async finish(): Promise<number | null> {
    if (this.#sources.length === 0) return null;
    const now = await Promise.all(this.#sources.map((s) => evaluations(s).catch(() => null)));
    let total = this.#banked;
    for (let i = 0; i < now.length; i++) {
      const base = this.#base[i];
      const end = now[i];
      if (base === null || base === undefined || end === null || end === undefined) return null;
      total += deltaOf(base, end);
    }
    return total;
  }
}

export function deltaOf(before: number, after: number): number {
  return after >= before ? after - before : after;
}
