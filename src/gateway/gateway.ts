import { promisify } from 'node:util';
import { constants as zlibConstants, deflate, gzip } from 'node:zlib';
import type { CacheObserver, CacheResult } from '../cache/cache-observer.js';
import { Coalescer } from '../cache/coalescer.js';
import type { CacheStore } from '../cache/cache-store.js';
import { answerBytes } from '../cache/entry-size.js';
import type { PartAnswer, RangeCache } from '../cache/range-cache.js';
import type { Clock } from '../clock/clock.js';
import type { CacheConfig } from '../config/index.js';
import { AnalysisMemo } from '../promql/index.js';
import { type NormalizedRequest, normalizeRequest, parseForm, type ProxyRoute } from '../query/index.js';
import type { AttemptRunner } from '../routing/attempt-runner.js';
import { formatTimestampMs, type Extent } from '../timeseries/index.js';
import type { UpstreamAnswer, UpstreamRequest } from '../upstream/upstream-types.js';
import { type Plan, planRequest } from './cache-plan.js';
import { clientIdentity, wantsNoCache } from './client-identity.js';
import { SharedFetcher, UnshareableAnswerError } from './shared-fetcher.js';
import { stickyKeyOf } from './sticky-key.js';

/** A request the HTTP layer has already normalized and allowed. */
export interface GatewayRequest {
  readonly method: string;
  readonly route: ProxyRoute;
  /** Canonical path, re-encoded for the upstream. */
  readonly path: string;
  /** The query string exactly as the client sent it, without `?`. */
  readonly rawQuery: string;
  /** Client headers as received (lower-case names). */
  readonly clientHeaders: Readonly<Record<string, string | string[] | undefined>>;
  /** Headers to forward, already filtered. */
  readonly forwardHeaders: Readonly<Record<string, string>>;
  readonly body?: Buffer | undefined;
  /** Aborted when the client goes away; made on first use, since shared fetches never use it. */
  readonly clientSignal: () => AbortSignal;
}

export interface GatewayDeps {
  readonly runner: AttemptRunner;
  readonly store: CacheStore;
  readonly rangeCache: RangeCache;
  readonly clock: Clock;
  readonly observer: CacheObserver;
  /** The routing policy hashes a sticky key; other policies need none computed. */
  readonly stickyRouting: boolean;
}

/**
 * The request pipeline: normalize → plan → cache / coalesce → route → answer. What goes upstream
 * is what the client sent (parameters, body, time grid); only range-cache fetches are new
 * requests, for sub-windows on the client's own grid.
 */
export class Gateway {
  readonly #cfg: CacheConfig;
  readonly #deps: GatewayDeps;
  readonly #shared: SharedFetcher;
  /** Identical range requests in flight share one merged answer, not just its sub-window fetches. */
  readonly #rangeAnswers = new Coalescer<UpstreamAnswer>();
  readonly #analyses = new AnalysisMemo();
  /**
   * Request headers whose values change the answer, so they are part of every key: the client's
   * identity (configured), and Origin, since Prometheus answers CORS headers per Origin.
   */
  readonly #keyHeaders: readonly string[];

  constructor(cfg: CacheConfig, deps: GatewayDeps) {
    this.#cfg = cfg;
    this.#deps = deps;
    this.#shared = new SharedFetcher(deps.runner, deps.clock, cfg.coalesce);
    this.#keyHeaders = [...new Set([...cfg.identity_headers, 'origin'])];
  }

  async handle(req: GatewayRequest): Promise<UpstreamAnswer> {
    const plan = this.#plan(req);
    const upstream = toUpstream(req);
    const stickyKey = this.#deps.stickyRouting
      ? stickyKeyOf(req.route.endpoint, req.clientHeaders, req.rawQuery, isForm(req) ? req.body : undefined)
      : undefined;
    try {
      switch (plan.kind) {
        case 'passthrough':
          if (plan.cacheHeader) this.#deps.observer.result(req.route.endpoint, plan.cacheHeader);
          return withCacheHeader(await this.#deps.runner.run(upstream, { signal: req.clientSignal(), stickyKey }), plan.cacheHeader);
        case 'shared':
          return await this.#shared_(req, plan, upstream, stickyKey);
        case 'range': {
          if (!this.#cfg.coalesce) return await this.#range(req, plan);
          const { promise, joined } = this.#rangeAnswers.run(plan.key, () => this.#range(req, plan));
          if (joined) this.#deps.observer.coalesced(req.route.endpoint);
          return await promise;
        }
      }
    } catch (err) {
      if (!(err instanceof UnshareableAnswerError)) throw err;
      return this.#deps.runner.run(upstream, { signal: req.clientSignal(), stickyKey });
    }
  }

  /** What to do with the request. Anything unexpected while deciding means: pass it through untouched. */
  #plan(req: GatewayRequest): Plan {
    try {
      return planRequest(
        {
          method: req.method,
          normalized: this.#normalize(req),
          identity: clientIdentity(req.clientHeaders, this.#keyHeaders),
          encoding: req.forwardHeaders['accept-encoding'],
          noCache: wantsNoCache(req.clientHeaders),
          nowMs: this.#deps.clock.now(),
        },
        this.#cfg,
        (expr, params) => this.#analyses.analyze(expr, params),
      );
    } catch {
      return { kind: 'passthrough' };
    }
  }

  #normalize(req: GatewayRequest): NormalizedRequest | undefined {
    const form = parseForm(req.rawQuery, req.body, first(req.clientHeaders['content-type']), req.method);
    if (form.error !== undefined) return undefined;
    const result = normalizeRequest(req.route, form.params);
    return result.ok ? result.request : undefined;
  }

  async #shared_(req: GatewayRequest, plan: Extract<Plan, { kind: 'shared' }>, upstream: UpstreamRequest, stickyKey: string | undefined): Promise<UpstreamAnswer> {
    const endpoint = req.route.endpoint;
    if (plan.ttlMs !== undefined) {
      const hit = this.#deps.store.get(plan.key);
      if (hit?.kind === 'answer') {
        this.#deps.observer.result(endpoint, 'hit');
        this.#deps.observer.savedSeconds(hit.fetchSeconds);
        return { replica: 'cache', statusCode: hit.statusCode, headers: { ...hit.headers, 'x-promgate-cache': 'hit' }, body: hit.body };
      }
    }
    const { promise, joined } = this.#shared.fetch(plan.key, upstream, { stickyKey });
    if (joined) this.#deps.observer.coalesced(endpoint);
    const answer = await promise;
    if (plan.ttlMs !== undefined) {
      this.#deps.observer.result(endpoint, 'miss');
      if (!joined && answer.statusCode === 200) this.#keep(plan.key, answer, plan.ttlMs);
    }
    return withCacheHeader(answer, plan.ttlMs !== undefined ? 'miss' : undefined);
  }

  #keep(key: string, answer: Awaited<ReturnType<SharedFetcher['fetch']>['promise']>, ttlMs: number): void {
    const contentType = String(answer.headers['content-type'] ?? '');
    const { date: _date, ...headers } = answer.headers;
    this.#deps.store.set(
      key,
      { kind: 'answer', statusCode: answer.statusCode, headers, body: answer.body, fetchSeconds: answer.seconds, bytes: answerBytes(answer.body, contentType) },
      ttlMs,
    );
  }

  async #range(req: GatewayRequest, plan: Extract<Plan, { kind: 'range' }>): Promise<UpstreamAnswer> {
    const n = plan.request;
    const fetchPart = async (extent: Extent): Promise<PartAnswer> => {
      const part = { ...n, start: extent.start, end: extent.end };
      const { promise, joined } = this.#shared.fetch(`${plan.key}|${extent.start}-${extent.end}`, rangePartRequest(req, part), { affinityKey: plan.rangeKey });
      if (joined) this.#deps.observer.coalesced(req.route.endpoint);
      return promise;
    };
    const outcome = await this.#deps.rangeCache.answer(
      { key: plan.rangeKey, start: n.start, end: n.end, step: n.step, analysis: plan.analysis },
      fetchPart,
      this.#deps.clock.now(),
    );
    if (outcome.kind === 'whole') {
      this.#deps.observer.result(req.route.endpoint, 'miss');
      const { statusCode, headers, body, replica } = outcome.answer;
      return encodeFor(req, { replica, statusCode, headers: { ...headers, 'x-promgate-cache': 'miss' }, body });
    }
    this.#deps.observer.result(req.route.endpoint, outcome.result);
    this.#deps.observer.savedSeconds(outcome.savedSeconds);
    return encodeFor(req, {
      replica: outcome.replicas.join(',') || 'cache',
      statusCode: 200,
      headers: { ...outcome.headers, 'x-promgate-cache': outcome.result },
      body: Buffer.from(outcome.body),
    });
  }
}

const gzipAsync = promisify(gzip);
const deflateAsync = promisify(deflate);

/**
 * Range-cache pieces are fetched uncompressed (they are parsed and merged); the client still gets
 * the coding the replica would have used. Fastest level, off the event loop.
 */
async function encodeFor(req: GatewayRequest, answer: UpstreamAnswer): Promise<UpstreamAnswer> {
  const coding = req.forwardHeaders['accept-encoding'];
  if ((coding !== 'gzip' && coding !== 'deflate') || answer.headers['content-encoding'] !== undefined) return answer;
  const encode = coding === 'gzip' ? gzipAsync : deflateAsync;
  const body = await encode(answer.body, { level: zlibConstants.Z_BEST_SPEED });
  return { ...answer, headers: { ...answer.headers, 'content-encoding': coding }, body };
}

/** A query_range for one extent of the client's window, on the client's grid, uncompressed (it is parsed and merged). */
function rangePartRequest(req: GatewayRequest, n: Extract<NormalizedRequest, { endpoint: 'query_range' }>): UpstreamRequest {
  const form = new URLSearchParams();
  form.append('query', n.query);
  form.append('start', formatTimestampMs(n.start));
  form.append('end', formatTimestampMs(n.end));
  // A duration string parses exactly; seconds as a float may land a nanosecond short.
  form.append('step', `${n.step}ms`);
  for (const [name, value] of n.params) form.append(name, value);
  const { 'accept-encoding': _ae, 'content-type': _ct, ...headers } = req.forwardHeaders;
  return {
    method: 'POST',
    pathAndQuery: req.path,
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    body: Buffer.from(form.toString()),
    latencyClass: req.route.endpoint,
  };
}

function toUpstream(req: GatewayRequest): UpstreamRequest {
  return {
    method: req.method,
    pathAndQuery: req.rawQuery === '' ? req.path : `${req.path}?${req.rawQuery}`,
    headers: req.forwardHeaders,
    body: req.body,
    latencyClass: req.route.endpoint,
  };
}

function withCacheHeader(answer: UpstreamAnswer, header: CacheResult | undefined): UpstreamAnswer {
  if (!header) return answer;
  return { ...answer, headers: { ...answer.headers, 'x-promgate-cache': header } };
}

function isForm(req: GatewayRequest): boolean {
  return (first(req.clientHeaders['content-type']) ?? '').startsWith('application/x-www-form-urlencoded');
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
