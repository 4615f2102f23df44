import { promisify } from 'node:util';
import { constants as zlibConstants, deflate, gzip } from 'node:zlib';
import type { CacheObserver, CacheResult } from '../cache/cache-observer.js';
import { Coalescer } from '../cache/coalescer.js';
import type { CacheStore } from '../cache/cache-store.js';
import { answerBytes } from '../cache/entry-size.js';
import type { PartAnswer, RangeCache } from '../cache/range-cache.js';
import { UnshareableAnswerError } from '../errors/index.js';
import type { Clock } from '../clock/clock.js';
import type { CacheConfig } from '../config/index.js';
import { AnalysisMemo } from '../promql/index.js';
import { type NormalizedRequest, normalizeRequest, parseForm, type ProxyRoute } from '../query/index.js';
import type { AttemptRunner } from '../routing/attempt-runner.js';
import { formatTimestampMs, hasAnnotations, type Extent } from '../timeseries/index.js';
import type { UpstreamAnswer, UpstreamRequest } from '../upstream/upstream-types.js';
import { type Plan, planRequest } from './cache-plan.js';
import { clientIdentity, wantsNoCache } from './client-identity.js';
import { type CostClass, costClassOf } from './cost-class.js';
import { type BufferedAnswer, isTooLarge, type SharedAnswer, SharedFetcher } from './shared-fetcher.js';
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
  /** Aborted when the client goes away (made on first use: a cache hit never needs it). */
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
  readonly log?: { debug(obj: object, msg: string): void } | undefined;
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
    const { plan, cost } = this.#plan(req);
    const upstream = toUpstream(req, cost);
    const stickyKey = this.#deps.stickyRouting
      ? stickyKeyOf(req.route.endpoint, req.clientHeaders, req.rawQuery, isForm(req) ? req.body : undefined)
      : undefined;
    const passthrough = (header?: CacheResult) => this.#passthrough(req, upstream, stickyKey, header);
    try {
      switch (plan.kind) {
        case 'passthrough':
          if (plan.cacheHeader) this.#deps.observer.result(req.route.endpoint, plan.cacheHeader);
          return await passthrough(plan.cacheHeader);
        case 'shared':
          if (this.#shared.isUnshareable(plan.key)) return await passthrough();
          return await this.#sharedAnswer(req, plan, upstream, stickyKey);
        case 'range': {
          if (this.#shared.isUnshareable(plan.key)) return await passthrough();
          if (!this.#cfg.coalesce) return await this.#range(req, plan, req.clientSignal());
          const { promise, joined } = this.#rangeAnswers.run(plan.key, (signal) => this.#range(req, plan, signal), req.clientSignal());
          if (joined) this.#deps.observer.coalesced(req.route.endpoint);
          return await promise;
        }
      }
    } catch (err) {
      // An answer too large to share: this request fetches its own, streamed.
      if (!(err instanceof UnshareableAnswerError)) throw err;
      return passthrough();
    }
  }

  #passthrough(req: GatewayRequest, upstream: UpstreamRequest, stickyKey: string | undefined, header?: CacheResult): Promise<UpstreamAnswer> {
    return this.#deps.runner.run(upstream, { signal: req.clientSignal(), stickyKey }).then((a) => withCacheHeader(a, header));
  }

  /**
   * What to do with the request, and what it costs. Anything unexpected while deciding means:
   * pass it through untouched; that is a bug of ours, so it is logged and counted.
   */
  #plan(req: GatewayRequest): { plan: Plan; cost: CostClass } {
    const fallback: CostClass = { latencyClass: req.route.endpoint };
    try {
      const normalized = this.#normalize(req);
      const plan = planRequest(
        {
          method: req.method,
          normalized,
          identity: clientIdentity(req.clientHeaders, this.#keyHeaders),
          encoding: req.forwardHeaders['accept-encoding'],
          noCache: wantsNoCache(req.clientHeaders),
          nowMs: this.#deps.clock.now(),
        },
        this.#cfg,
        (expr, params) => this.#analyses.analyze(expr, params),
      );
      return { plan, cost: normalized ? this.#costOf(normalized) : fallback };
    } catch (err) {
      this.#deps.log?.debug({ err, path: req.path }, 'planning the request failed; passing it through');
      this.#deps.observer.planFailed();
      return { plan: { kind: 'passthrough' }, cost: fallback };
    }
  }

  #costOf(n: NormalizedRequest): CostClass {
    if (n.endpoint === 'query') return costClassOf('query', n.query, 1, this.#lookbehind(n.query));
    if (n.endpoint === 'query_range') return costClassOf('query_range', n.query, Math.floor((n.end - n.start) / n.step) + 1, this.#lookbehind(n.query));
    return { latencyClass: n.endpoint };
  }

  #lookbehind(query: string): number | undefined {
    const a = this.#analyses.analyze(query);
    return a.ok ? a.lookbehindMs : undefined;
  }

  #normalize(req: GatewayRequest): NormalizedRequest | undefined {
    const form = parseForm(req.rawQuery, req.body, first(req.clientHeaders['content-type']), req.method);
    if (form.error !== undefined) return undefined;
    const result = normalizeRequest(req.route, form.params);
    return result.ok ? result.request : undefined;
  }

  async #sharedAnswer(req: GatewayRequest, plan: Extract<Plan, { kind: 'shared' }>, upstream: UpstreamRequest, stickyKey: string | undefined): Promise<UpstreamAnswer> {
    const endpoint = req.route.endpoint;
    if (plan.ttlMs !== undefined) {
      const hit = this.#deps.store.get(plan.key);
      if (hit?.kind === 'answer') {
        this.#deps.observer.result(endpoint, 'hit');
        this.#deps.observer.savedSeconds(hit.fetchSeconds);
        return { replica: 'cache', statusCode: hit.statusCode, headers: { ...hit.headers, 'x-promgate-cache': 'hit' }, body: hit.body };
      }
    }
    const { promise, joined } = this.#shared.fetch(plan.key, upstream, { stickyKey }, req.clientSignal());
    if (joined) this.#deps.observer.coalesced(endpoint);
    const answer = ownCopy(await promise);
    if (plan.ttlMs !== undefined) {
      this.#deps.observer.result(endpoint, 'miss');
      if (!joined && answer.statusCode === 200 && !hasAnnotations(answer.body)) this.#keep(plan.key, answer, plan.ttlMs);
    }
    return withCacheHeader(answer, plan.ttlMs !== undefined ? 'miss' : undefined);
  }

  #keep(key: string, answer: BufferedAnswer, ttlMs: number): void {
    const contentType = String(answer.headers['content-type'] ?? '');
    const { date: _date, ...headers } = answer.headers;
    this.#deps.store.set(
      key,
      { kind: 'answer', statusCode: answer.statusCode, headers, body: answer.body, fetchSeconds: answer.seconds, bytes: answerBytes(answer.body, contentType) },
      ttlMs,
    );
  }

  /**
   * `signal` aborts when every client waiting for this range answer has gone; the part fetches
   * wait on it, and on the end of this computation, so a part nobody needs any more is dropped.
   */
  async #range(req: GatewayRequest, plan: Extract<Plan, { kind: 'range' }>, signal: AbortSignal): Promise<UpstreamAnswer> {
    const n = plan.request;
    const done = new AbortController();
    const partSignal = AbortSignal.any([signal, done.signal]);
    const fetchPart = async (extent: Extent): Promise<PartAnswer> => {
      const part = { ...n, start: extent.start, end: extent.end };
      const cost = costClassOf('query_range', n.query, Math.floor((part.end - part.start) / n.step) + 1, plan.analysis.lookbehindMs);
      const { promise, joined } = this.#shared.fetch(`${plan.key}|${extent.start}-${extent.end}`, rangePartRequest(req, part, cost), { affinityKey: plan.rangeKey }, partSignal);
      if (joined) this.#deps.observer.coalesced(req.route.endpoint);
      return ownCopy(await promise);
    };
    let outcome;
    try {
      outcome = await this.#deps.rangeCache.answer(
        { key: plan.rangeKey, start: n.start, end: n.end, step: n.step, analysis: plan.analysis },
        fetchPart,
        this.#deps.clock.now(),
      );
    } finally {
      done.abort();
    }
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
function rangePartRequest(req: GatewayRequest, n: Extract<NormalizedRequest, { endpoint: 'query_range' }>, cost: CostClass): UpstreamRequest {
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
    ...cost,
  };
}

function toUpstream(req: GatewayRequest, cost: CostClass): UpstreamRequest {
  return {
    method: req.method,
    pathAndQuery: req.rawQuery === '' ? req.path : `${req.path}?${req.rawQuery}`,
    headers: req.forwardHeaders,
    body: req.body,
    ...cost,
  };
}

/**
 * A shared answer as this waiter's own: a buffered one as it is; a too-large one only for the
 * first waiter that claims it, the others fetch their own (see TooLargeAnswer).
 */
function ownCopy(answer: SharedAnswer): BufferedAnswer {
  if (!isTooLarge(answer)) return answer;
  const mine = answer.claim();
  mine?.rest?.destroy();
  throw new UnshareableAnswerError('answer larger than upstream.max_buffered_response_bytes');
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
