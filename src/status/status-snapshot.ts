import type { StatusEvent, StatusEventKind } from './event-log.js';
import type { ReplicaWindow } from './replica-stats.js';

/**
 * The document /-/status answers and the status page renders: a pure function of plain inputs,
 * so what the page can show (and what it must never show: a replica URL's credentials, headers)
 * is decided and tested in one place.
 */

/** Times in Unix ms; ±Infinity for an open end, as ha/ keeps holes. */
export interface SpanInput {
  readonly start: number;
  readonly end: number;
}

export interface ReplicaInput {
  readonly name: string;
  /** Credentials, query and fragment are dropped before it is shown. */
  readonly url: string | URL;
  readonly healthy: boolean;
  readonly live: boolean;
  readonly breaker: string;
  readonly inFlight: number;
  readonly holes?: readonly SpanInput[] | undefined;
  readonly suspect?: readonly SpanInput[] | undefined;
  readonly probedUntil?: number | undefined;
}

export interface CacheInput {
  readonly hits: number;
  readonly misses: number;
  readonly partial?: number | undefined;
  readonly bytes: number;
  readonly entries: number;
  readonly maxBytes: number;
}

export interface StatusInputs {
  readonly now: number;
  readonly promgate: { readonly version: string; readonly startedAt: number; readonly ready: boolean; readonly draining: boolean };
  /** Undefined while promgate cannot reload its config. */
  readonly reload?: { readonly lastReloadSuccessful: boolean; readonly lastReloadAt?: number | undefined } | undefined;
  /** Today one group; shard groups will be more entries of `groups` in the document. */
  readonly replicas: readonly ReplicaInput[];
  readonly stats?: ((replica: string) => ReplicaWindow | undefined) | undefined;
  /** Undefined when the cache is off. */
  readonly cache?: CacheInput | undefined;
  /** Newest first. */
  readonly events?: readonly StatusEvent[] | undefined;
}

/** 'up' takes requests; 'out' passes its checks but takes none (breaker open, probe stalled); 'down' fails its checks. */
export type ReplicaState = 'up' | 'out' | 'down';

export interface ReplicaStatus {
  readonly name: string;
  readonly url: string;
  readonly state: ReplicaState;
  /** Why, in words; empty when up with nothing to add. */
  readonly reason: string;
  readonly healthy: boolean;
  readonly live: boolean;
  readonly breaker: string;
  readonly inFlight: number;
  readonly windowSeconds: number | null;
  readonly requests: number;
  readonly errors: number;
  readonly errorRatio: number | null;
  readonly timeouts: number;
  readonly connectionErrors: number;
  readonly replicaFaults: number;
  readonly canceled: number;
  readonly breakerRejected: number;
  /** Seconds, of successful attempts in the window. */
  readonly latency: { readonly mean: number; readonly p50: number; readonly p99: number; readonly max: number } | null;
  readonly lastFailoverAt: string | null;
  readonly holes: readonly { readonly start: string; readonly end: string }[];
  readonly suspect: readonly { readonly start: string; readonly end: string }[];
  readonly probedUntil: string | null;
}

export interface StatusDocument {
  readonly generatedAt: string;
  readonly promgate: { readonly version: string; readonly startedAt: string; readonly uptimeSeconds: number; readonly ready: boolean; readonly draining: boolean };
  readonly reload: { readonly supported: boolean; readonly lastReloadSuccessful: boolean | null; readonly lastReloadAt: string | null };
  readonly groups: readonly { readonly name: string; readonly up: number; readonly total: number; readonly replicas: readonly ReplicaStatus[] }[];
  readonly cache:
    | { readonly enabled: false }
    | {
        readonly enabled: true;
        readonly hits: number;
        readonly misses: number;
        readonly partial: number;
        readonly lookups: number;
        /** hits / lookups; a partial answer counts as a lookup, not a hit. Null before any lookup. */
        readonly hitRatio: number | null;
        readonly bytes: number;
        readonly entries: number;
        readonly maxBytes: number;
        readonly fill: number | null;
      };
  readonly events: readonly { readonly at: string; readonly kind: StatusEventKind; readonly replica: string | null; readonly message: string }[];
}

export const DEFAULT_GROUP = 'default';

export function statusSnapshot(input: StatusInputs): StatusDocument {
  const replicas = input.replicas.map((r) => replicaStatus(r, input.stats?.(r.name)));
  return {
    generatedAt: iso(input.now),
    promgate: {
      version: input.promgate.version,
      startedAt: iso(input.promgate.startedAt),
      uptimeSeconds: Math.max(0, Math.floor((input.now - input.promgate.startedAt) / 1000)),
      ready: input.promgate.ready,
      draining: input.promgate.draining,
    },
    reload: input.reload
      ? { supported: true, lastReloadSuccessful: input.reload.lastReloadSuccessful, lastReloadAt: isoOrNull(input.reload.lastReloadAt) }
      : { supported: false, lastReloadSuccessful: null, lastReloadAt: null },
    groups: [{ name: DEFAULT_GROUP, up: replicas.filter((r) => r.state === 'up').length, total: replicas.length, replicas }],
    cache: input.cache ? cacheStatus(input.cache) : { enabled: false },
    events: (input.events ?? []).map((e) => ({ at: iso(e.at), kind: e.kind, replica: e.replica ?? null, message: redactUrls(e.message) })),
  };
}

function replicaStatus(r: ReplicaInput, w: ReplicaWindow | undefined): ReplicaStatus {
  const [state, reason] = stateOf(r);
  const requests = count(w?.requests);
  const errors = count(w?.errors);
  return {
    name: r.name,
    url: displayUrl(r.url),
    state,
    reason,
    healthy: r.healthy,
    live: r.live,
    breaker: r.breaker,
    inFlight: count(r.inFlight),
    windowSeconds: w ? w.windowSeconds : null,
    requests,
    errors,
    errorRatio: requests > 0 ? errors / requests : null,
    timeouts: count(w?.timeouts),
    connectionErrors: count(w?.connectionErrors),
    replicaFaults: count(w?.replicaFaults),
    canceled: count(w?.canceled),
    breakerRejected: count(w?.breakerRejected),
    latency: w?.latency ? { mean: w.latency.mean, p50: w.latency.p50, p99: w.latency.p99, max: w.latency.max } : null,
    lastFailoverAt: isoOrNull(w?.lastFailoverAt),
    holes: (r.holes ?? []).map(span),
    suspect: (r.suspect ?? []).map(span),
    probedUntil: r.probedUntil === undefined ? null : iso(r.probedUntil),
  };
}

function stateOf(r: ReplicaInput): [ReplicaState, string] {
  if (!r.healthy) return ['down', 'failing its health checks'];
  if (!r.live) return ['out', r.breaker === 'open' ? 'circuit breaker open' : 'health probe stalled'];
  if (r.breaker === 'half_open') return ['up', 'circuit breaker half-open: trial requests only'];
  return ['up', ''];
}

function cacheStatus(c: CacheInput): StatusDocument['cache'] {
  const hits = count(c.hits);
  const misses = count(c.misses);
  const partial = count(c.partial);
  const lookups = hits + misses + partial;
  const maxBytes = count(c.maxBytes);
  const bytes = count(c.bytes);
  return {
    enabled: true,
    hits,
    misses,
    partial,
    lookups,
    hitRatio: lookups > 0 ? hits / lookups : null,
    bytes,
    entries: count(c.entries),
    maxBytes,
    fill: maxBytes > 0 ? bytes / maxBytes : null,
  };
}

/** A replica URL as shown: scheme, host, port and path only. Userinfo is a secret; so may be a query. */
export function displayUrl(raw: string | URL): string {
  try {
    const u = new URL(String(raw));
    if (u.protocol === 'http:' || u.protocol === 'https:') return u.origin + u.pathname.replace(/\/+$/, '');
  } catch {
    // not a URL: fall through to the textual scrub
  }
  return redactUrls(String(raw).replace(/[?#].*$/s, ''));
}

/** Drops `user:password@` from anything that looks like a URL in free text. */
function redactUrls(text: string): string {
  return text.replace(/(\/\/)[^/@\s]*@/g, '$1');
}

function span(s: SpanInput): { start: string; end: string } {
  return { start: iso(s.start), end: iso(s.end) };
}

function iso(t: number): string {
  if (Number.isFinite(t)) return new Date(t).toISOString();
  return t > 0 ? 'now' : 'beginning';
}

function isoOrNull(t: number | undefined): string | null {
  return t === undefined || Number.isNaN(t) ? null : iso(t);
}

/** JSON has no NaN or Infinity: a count that is not one reads as 0. */
function count(n: number | undefined): number {
  return n !== undefined && Number.isFinite(n) && n > 0 ? n : 0;
}
