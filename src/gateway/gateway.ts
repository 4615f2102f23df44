import { promisify } from 'node:util';
import { constants as zlibConstants, deflate, gunzip, gzip, inflate } from 'node:zlib';
import type { CacheObserver, CacheResult } from '../cache/cache-observer.js';
import { Coalescer } from '../cache/coalescer.js';
import type { AnswerEntry, CacheStore } from '../cache/cache-store.js';
import { answerBytes } from '../cache/entry-size.js';
import { lastSettledEvalTime, settledHorizon } from '../cache/settled.js';
import type { PartAnswer, RangeCache } from '../cache/range-cache.js';
import { NoHealthyReplicaError, UnshareableAnswerError, UpstreamUnavailableError } from '../errors/index.js';
import type { Clock } from '../clock/clock.js';
import type { CacheConfig } from '../config/index.js';
import { AnalysisMemo } from '../promql/index.js';
import { type NormalizedRequest, normalizeRequest, parseForm, type ProxyRoute } from '../query/index.js';
import type { AttemptRunner, RunContext } from '../routing/attempt-runner.js';
import { formatTimestampMs, hasAnnotations, type Extent } from '../timeseries/index.js';
import { classifyAnswer } from '../upstream/answer-class.js';
import type { UpstreamAnswer, UpstreamRequest } from '../upstream/upstream-types.js';
import { type Plan, planRequest } from './cache-plan.js';
import { clientIdentity, wantsNoCache } from './client-identity.js';
import { type CostClass, costClassOf } from './cost-class.js';
import { exactKeyOf } from './exact-key.js';
import type { CoverageRouter, QueryRoute } from './coverage-router.js';
import { coveringSlice, type Slice } from '../ha/index.js';
import { unionMetadata } from './metadata-union.js';
import { describeSlices, incompleteWarning, stitchSlices, withWarning } from './split-answer.js';
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
  /** Routing around replica holes; absent when ha.enabled is off. */
  readonly coverage?: CoverageRouter | undefined;
  readonly haObserver?: HaObserver | undefined;
  /** Analyses of PromQL, shared with the coverage router so a query is parsed once. */
  readonly analyses?: AnalysisMemo | undefined;
}

/** What routing around holes reports, for metrics. */
export interface HaObserver {
  split(endpoint: string, slices: number): void;
  incomplete(endpoint: string, steps: number): void;
  union(endpoint: string): void;
}

/** How coverage wants a request routed: as usual, among some replicas, in slices, or asked of all. */
type Route = QueryRoute | { readonly kind: 'union' };
const ANY: Route = Object.freeze({ kind: 'any' });

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
  readonly #analyses: AnalysisMemo;
  /**
   * Request headers whose values change the answer, so they are part of every key: the client's
   * identity (configured), and Origin, since Prometheus answers CORS headers per Origin.
   */
  readonly #keyHeaders: readonly string[];

  constructor(cfg: CacheConfig, deps: GatewayDeps) {
    this.#cfg = cfg;
    this.#deps = deps;
    this.#analyses = deps.analyses ?? new AnalysisMemo();
    this.#shared = new SharedFetcher(deps.runner, deps.clock, cfg.coalesce);
    this.#keyHeaders = [...new Set([...cfg.identity_headers, 'origin'])];
  }

  async handle(req: GatewayRequest): Promise<UpstreamAnswer> {
    // A repeat spelled exactly as before: its kept bytes, before anything is parsed or hashed.
    const exact = this.#exactKey(req);
    const repeat = exact !== undefined ? this.#deps.store.answer(exact) : undefined;
    if (repeat) return this.#hit(req, repeat);
    const { plan, cost, normalized } = this.#plan(req);
    const upstream = toUpstream(req, cost);
    const stickyKey = this.#deps.stickyRouting ? this.#stickyKey(req) : undefined;
    // The range cache routes each piece it fetches by coverage itself.
    const route = plan.kind === 'range' ? ANY : this.#route(req, normalized);
    const ctx: Omit<RunContext, 'signal'> = {
      stickyKey,
      only: route.kind === 'only' ? new Set(route.replicas) : undefined,
      // An upper Prometheus rejects out-of-order samples: federation stays on one replica while it can.
      affinityKey: req.route.endpoint === 'federate' && this.#deps.coverage ? 'federate' : undefined,
    };
    const passthrough = (header?: CacheResult) => this.#passthrough(req, upstream, ctx, header);
    // The replicas holding all the data failed, or answered a 5xx: another replica answers, with a
    // warning, rather than no answer while one replica is up. Asked uncompressed, so the warning
    // can be written, then coded as the client asked.
    const fallback = async (): Promise<UpstreamAnswer> => {
      const { 'accept-encoding': _ae, ...headers } = upstream.headers;
      // The others: the replicas that held the data just failed.
      const others = this.#deps.coverage?.candidates().map((c) => c.name).filter((n) => !ctx.only?.has(n)) ?? [];
      const answer = await bufferWhole(
        await this.#deps.runner.run({ ...upstream, headers }, { ...ctx, only: others.length > 0 ? new Set(others) : undefined, signal: req.clientSignal() }),
      );
      return encodeFor(req, withWarning(answer, `promgate: the replicas holding all the data this query reads did not answer; ${answer.replica} answered, and it has a hole there`));
    };
    try {
      if (route.kind === 'union') return await this.#union(req, upstream, stickyKey);
      if (route.kind === 'split' && normalized && (normalized.endpoint === 'query' || normalized.endpoint === 'query_range')) {
        return await this.#split(req, normalized, route, cost);
      }
      switch (plan.kind) {
        case 'passthrough': {
          if (plan.cacheHeader) this.#deps.observer.result(req.route.endpoint, plan.cacheHeader);
          const answer = await passthrough(plan.cacheHeader);
          return route.kind === 'only' && replicaFaultAnswer(answer) ? await fallback() : answer;
        }
        case 'shared': {
          if (this.#shared.isUnshareable(plan.key)) return await passthrough();
          const answer = await this.#sharedAnswer(req, plan, upstream, ctx, route, readsOf(normalized, route, this.#deps.clock.now()), exact);
          return route.kind === 'only' && replicaFaultAnswer(answer) ? await fallback() : answer;
        }
        case 'range': {
          if (this.#shared.isUnshareable(plan.key)) return await passthrough();
          const kept = this.#deps.store.answer(plan.key);
          if (kept) {
            // The very same settled window asked again, spelled differently: its bytes.
            this.#alias(exact, plan.key);
            return this.#hit(req, kept);
          }
          if (!this.#cfg.coalesce) return await this.#range(req, plan, req.clientSignal(), exact);
          const { promise, joined } = this.#rangeAnswers.run(plan.key, (signal) => this.#range(req, plan, signal, exact), req.clientSignal());
          if (joined) this.#deps.observer.coalesced(req.route.endpoint);
          return await promise;
        }
      }
    } catch (err) {
      // An answer too large to share: this request fetches its own, streamed, from where coverage
      // says; and the next identical ones skip sharing for a while.
      if (err instanceof UnshareableAnswerError) {
        if (plan.kind !== 'passthrough') this.#shared.markUnshareable(plan.key);
        const own = plan.kind === 'range' ? this.#route(req, normalized) : route;
        if (own.kind === 'split') {
          // A streamed answer cannot be stitched: it comes whole from the replica serving most of
          // the window, and a header says it may be incomplete (its body cannot carry a warning).
          const most = [...own.slices].sort((a, b) => b.end - b.start - (a.end - a.start))[0]!;
          const answer = await this.#passthrough(req, upstream, { ...ctx, only: new Set([most.replica]) });
          return { ...answer, headers: { ...answer.headers, 'x-promgate-incomplete': 'true' } };
        }
        return this.#passthrough(req, upstream, { ...ctx, only: own.kind === 'only' ? new Set(own.replicas) : ctx.only });
      }
      if (route.kind === 'only' && isReplicaFailure(err) && !req.clientSignal().aborted) return fallback();
      throw err;
    }
  }

  /** Like planning, anything unexpected here means: no fast path (planning then logs it). */
  #exactKey(req: GatewayRequest): string | undefined {
    if (!this.#cfg.enabled) return undefined;
    try {
      return exactKeyOf(req, this.#keyHeaders);
    } catch {
      return undefined;
    }
  }

  /** Like planning, a sticky key that cannot be computed means: route without one. */
  #stickyKey(req: GatewayRequest): string | undefined {
    try {
      return stickyKeyOf(req.route.endpoint, req.clientHeaders, req.rawQuery, isForm(req) ? req.body : undefined);
    } catch {
      return undefined;
    }
  }

  #passthrough(req: GatewayRequest, upstream: UpstreamRequest, ctx: Omit<RunContext, 'signal'>, header?: CacheResult): Promise<UpstreamAnswer> {
    return this.#deps.runner.run(upstream, { ...ctx, signal: req.clientSignal() }).then((a) => withCacheHeader(a, header));
  }

  #route(req: GatewayRequest, n: NormalizedRequest | undefined): Route {
    const coverage = this.#deps.coverage;
    if (!coverage || !n) return req.route.endpoint === 'federate' && coverage ? coverage.forFederate(this.#deps.clock.now()) : ANY;
    if (n.endpoint === 'query' || n.endpoint === 'query_range') return coverage.forQuery(n, this.#deps.clock.now());
    if (n.endpoint === 'labels' || n.endpoint === 'label_values' || n.endpoint === 'series') return coverage.forTimeRange(n.params);
    return ANY;
  }

  /**
   * A query no single replica holds all the data of: its grid cut into slices, each sent where
   * its steps' data is (see ha/split-plan.ts), stitched back. Not cached; steps no replica holds
   * come from the least damaged replica with a warning.
   */
  async #split(req: GatewayRequest, n: Extract<NormalizedRequest, { endpoint: 'query' | 'query_range' }>, route: Extract<QueryRoute, { kind: 'split' }>, cost: CostClass): Promise<UpstreamAnswer> {
    const endpoint = req.route.endpoint;
    this.#reportSplit(endpoint, route.slices, n.endpoint === 'query_range' ? n.step : 1);
    const only = (slice: Slice) => new Set(slice.complete && route.window && route.candidates ? coveringSlice(slice, route.window, route.candidates) : [slice.replica]);
    if (n.endpoint === 'query') {
      const slice = route.slices[0]!;
      const { 'accept-encoding': _ae, ...headers } = toUpstream(req, cost).headers;
      const plain = { ...toUpstream(req, cost), headers };
      let answer: UpstreamAnswer;
      let slices = route.slices;
      try {
        answer = await bufferWhole(await this.#deps.runner.run(plain, { signal: req.clientSignal(), only: only(slice) }));
        if (replicaFaultAnswer(answer)) throw new UpstreamUnavailableError(`replica ${answer.replica} answered ${answer.statusCode}`);
      } catch (err) {
        if (!isReplicaFailure(err) || req.clientSignal().aborted) throw err;
        answer = await bufferWhole(await this.#deps.runner.run(plain, { signal: req.clientSignal() }));
        slices = [{ ...slice, complete: false, replica: answer.replica }];
      }
      const warning = incompleteWarning(slices);
      return encodeFor(req, warning ? withWarning(answer, warning) : answer);
    }
    const parts = await Promise.all(
      route.slices.map(async (slice) => {
        // One slice for the whole window is the client's own request (its end, for @ end()).
        const part = route.slices.length === 1 ? n : { ...n, query: route.sliceQuery ?? n.query, start: slice.start, end: slice.end };
        const ask = (only: ReadonlySet<string> | undefined) => this.#deps.runner.run(rangePartRequest(req, part, cost), { signal: req.clientSignal(), only });
        try {
          const answer = await bufferWhole(await ask(only(slice)));
          if (replicaFaultAnswer(answer)) throw new UpstreamUnavailableError(`replica ${answer.replica} answered ${answer.statusCode}`);
          return { slice, answer };
        } catch (err) {
          if (!isReplicaFailure(err) || req.clientSignal().aborted) throw err;
          // The replicas that hold these steps failed: any live one answers them, marked incomplete.
          return { slice: { ...slice, complete: false }, answer: await bufferWhole(await ask(undefined)) };
        }
      }),
    );
    return encodeFor(req, stitchSlices(parts));
  }

  #reportSplit(endpoint: string, slices: readonly Slice[], step: number): void {
    const ha = this.#deps.haObserver;
    if (!ha) return;
    ha.split(endpoint, slices.length);
    const short = slices.filter((s) => !s.complete).reduce((k, s) => k + Math.floor((s.end - s.start) / step) + 1, 0);
    if (short > 0) ha.incomplete(endpoint, short);
  }

  /** labels, label values, series over a time where some replica has a hole: asked of every live replica, merged. */
  /**
   * labels, label values, series over a time where some replica has a hole: asked of every live
   * replica, merged. A replica that fails is left out: the others' union is the best answer there
   * is, and exact whenever the ones left hold the whole range.
   */
  async #union(req: GatewayRequest, upstream: UpstreamRequest, stickyKey: string | undefined): Promise<UpstreamAnswer> {
    const endpoint = req.route.endpoint as 'labels' | 'label_values' | 'series';
    this.#deps.haObserver?.union(endpoint);
    const { 'accept-encoding': _ae, ...headers } = upstream.headers;
    const plain = { ...upstream, headers };
    const names = this.#deps.coverage!.candidates().map((c) => c.name);
    const settled = await Promise.allSettled(
      names.map(async (name) => bufferWhole(await this.#deps.runner.run(plain, { signal: req.clientSignal(), stickyKey, only: new Set([name]) }))),
    );
    const all = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    // A replica's 5xx is left out like a failure while another replica answered.
    const fine = all.filter((a) => a.statusCode < 500);
    const answers = fine.length > 0 ? fine : all;
    if (answers.length === 0) throw (settled[0] as PromiseRejectedResult | undefined)?.reason ?? new UnshareableAnswerError('no replica answered');
    return encodeFor(req, unionMetadata(endpoint, answers));
  }

  /**
   * Whether `replica`'s answer may be kept: probes have verified it held everything read in
   * `reads` (a query's data window). Answers that read no particular time (labels, metadata) are
   * short-lived and need none.
   */
  #verified(replica: string, reads: { start: number; end: number } | undefined): boolean {
    const coverage = this.#deps.coverage;
    if (!coverage || !reads) return true;
    const state = coverage.map.of(replica);
    // Alone, a replica has nobody to be compared with: what it holds is all there is.
    if (!state || coverage.map.names.length < 2) return true;
    return (state.probedUntil ?? -Infinity) >= reads.end && !coverage.map.gapsOf(replica).some((g) => g.end > reads.start && g.start < reads.end);
  }

  /**
   * What to do with the request, and what it costs. Anything unexpected while deciding means:
   * pass it through untouched; that is a bug of ours, so it is logged and counted.
   */
  #plan(req: GatewayRequest): { plan: Plan; cost: CostClass; normalized?: NormalizedRequest | undefined } {
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
      return { plan, cost: normalized ? this.#costOf(normalized) : fallback, normalized };
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

  async #sharedAnswer(
    req: GatewayRequest,
    plan: Extract<Plan, { kind: 'shared' }>,
    upstream: UpstreamRequest,
    ctx: Omit<RunContext, 'signal'>,
    route: Route,
    reads: { start: number; end: number } | undefined,
    exact: string | undefined,
  ): Promise<UpstreamAnswer> {
    const endpoint = req.route.endpoint;
    if (plan.ttlMs !== undefined) {
      const hit = this.#deps.store.answer(plan.key);
      if (hit) {
        this.#alias(exact, plan.key, plan.ttlMs);
        return this.#hit(req, hit);
      }
    }
    const { promise, joined } = this.#shared.fetch(plan.key, upstream, ctx, req.clientSignal());
    if (joined) this.#deps.observer.coalesced(endpoint);
    const shared = await promise;
    if (isTooLarge(shared)) {
      // Streamed: the first waiter to claim it gets it; the others fetch their own (see TooLargeAnswer).
      const mine = shared.claim();
      if (!mine) throw new UnshareableAnswerError('answer larger than upstream.max_buffered_response_bytes');
      return withCacheHeader(mine, plan.ttlMs !== undefined ? 'miss' : undefined);
    }
    const answer = shared;
    if (plan.ttlMs !== undefined) {
      this.#deps.observer.result(endpoint, 'miss');
      if (!joined && answer.statusCode === 200 && route.kind !== 'split' && this.#verified(answer.replica, reads) && !hasAnnotations(await decoded(answer))) {
        this.#keep(plan.key, answer, plan.ttlMs);
        this.#alias(exact, plan.key, plan.ttlMs);
      }
    }
    return withCacheHeader(answer, plan.ttlMs !== undefined ? 'miss' : undefined);
  }

  #keep(key: string, answer: BufferedAnswer, ttlMs: number): void {
    const { date: _date, ...headers } = answer.headers;
    this.#deps.store.set(key, answerEntry(answer.statusCode, headers, answer.body, answer.seconds), ttlMs);
  }

  /** Points the exact spelling of a request at the answer kept for its normalized form. */
  #alias(exact: string | undefined, key: string, ttlMs = this.#cfg.ttl): void {
    if (exact !== undefined && ttlMs > 0) this.#deps.store.set(exact, { kind: 'alias', key, bytes: 64 }, ttlMs);
  }

  /** A kept answer as it is: its headers were made for hits when it was kept. */
  #hit(req: GatewayRequest, kept: AnswerEntry): UpstreamAnswer {
    this.#deps.observer.result(req.route.endpoint, 'hit');
    this.#deps.observer.savedSeconds(kept.fetchSeconds);
    return { replica: 'cache', statusCode: kept.statusCode, headers: kept.headers, body: kept.body };
  }

  /**
   * `signal` aborts when every client waiting for this range answer has gone; the part fetches
   * wait on it, and on the end of this computation, so a part nobody needs any more is dropped.
   */
  async #range(req: GatewayRequest, plan: Extract<Plan, { kind: 'range' }>, signal: AbortSignal, exact: string | undefined): Promise<UpstreamAnswer> {
    const n = plan.request;
    const done = new AbortController();
    const partSignal = AbortSignal.any([signal, done.signal]);
    const fetchPart = async (extent: Extent): Promise<PartAnswer> => {
      const part = { ...n, start: extent.start, end: extent.end };
      const cost = costClassOf('query_range', n.query, Math.floor((part.end - part.start) / n.step) + 1, plan.analysis.lookbehindMs);
      const route: Route = this.#deps.coverage?.forQuery(part, this.#deps.clock.now()) ?? ANY;
      const fetchOne = async (p: typeof part, only: ReadonlySet<string> | undefined) => {
        const key = `${plan.key}|${p.start}-${p.end}|${only ? [...only].join(',') : '*'}`;
        const { promise, joined } = this.#shared.fetch(key, rangePartRequest(req, p, cost), { affinityKey: plan.rangeKey, only }, partSignal);
        if (joined) this.#deps.observer.coalesced(req.route.endpoint);
        return ownCopy(await promise);
      };
      const covered = async (): Promise<PartAnswer> => {
        if (route.kind === 'split') {
          this.#reportSplit(req.route.endpoint, route.slices, n.step);
          const answers = await Promise.all(
            route.slices.map(async (slice) => {
              const only = new Set(slice.complete && route.window && route.candidates ? coveringSlice(slice, route.window, route.candidates) : [slice.replica]);
              return { slice, answer: await fetchOne(route.slices.length === 1 ? part : { ...part, start: slice.start, end: slice.end }, only) };
            }),
          );
          const stitched = stitchSlices(answers);
          const verified = answers.every((a) => a.slice.complete && this.#verified(a.answer.replica, partReads(plan.analysis, a.slice, route)));
          return { ...stitched, seconds: answers.reduce((t, a) => t + a.answer.seconds, 0), replica: describeSlices(route.slices), verified };
        }
        const answer = await fetchOne(part, route.kind === 'only' ? new Set(route.replicas) : undefined);
        return { ...answer, verified: this.#verified(answer.replica, partReads(plan.analysis, extent, route)) };
      };
      try {
        return await covered();
      } catch (err) {
        if (!isReplicaFailure(err) || partSignal.aborted) throw err;
        // The replicas holding this part failed: any live one answers it, with a warning, never kept.
        const answer = await fetchOne(part, undefined);
        const stitched = stitchSlices([{ slice: { start: part.start, end: part.end, replica: answer.replica, complete: false }, answer }]);
        return { ...stitched, seconds: answer.seconds, verified: false };
      }
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
    const answer = await encodeFor(req, {
      replica: outcome.replicas.join(',') || 'cache',
      statusCode: 200,
      headers: { ...outcome.headers, 'x-promgate-cache': outcome.result },
      body: outcome.body,
    });
    // A window wholly settled and answered from kept extents alone (each verified when kept) is
    // final: its bytes, in this coding, serve the next identical request as they are.
    const settled = n.end <= lastSettledEvalTime(plan.analysis, settledHorizon(this.#deps.clock.now(), this.#cfg.freshness), n);
    if (outcome.result === 'hit' && settled && this.#cfg.ttl > 0) {
      this.#deps.store.set(plan.key, answerEntry(200, answer.headers, answer.body, outcome.savedSeconds), this.#cfg.ttl);
      this.#alias(exact, plan.key);
    }
    return answer;
  }
}

/** A kept answer, its headers already those of a hit. */
function answerEntry(statusCode: number, headers: Readonly<Record<string, string | string[]>>, body: Buffer, fetchSeconds: number): AnswerEntry {
  return {
    kind: 'answer',
    statusCode,
    headers: { ...headers, 'x-promgate-cache': 'hit' },
    body,
    fetchSeconds,
    bytes: answerBytes(body, String(headers['content-type'] ?? '')),
  };
}

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);
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

/** The time a query reads (its data window over all its steps), or undefined for anything else. */
function readsOf(n: NormalizedRequest | undefined, route: Route, nowMs: number): { start: number; end: number } | undefined {
  const w = route.kind !== 'union' ? route.window : undefined;
  const before = w?.beforeMs ?? 0;
  const after = w?.afterMs ?? 0;
  if (n?.endpoint === 'query') return { start: (n.time ?? nowMs) - before, end: (n.time ?? nowMs) + after + 1 };
  if (n?.endpoint === 'query_range') return { start: n.start - before, end: n.end + after + 1 };
  return undefined;
}

/** What a range part reads: its steps' windows (pins are checked by routing). */
function partReads(analysis: { lookbehindMs: number; lookaheadMs: number }, part: { start: number; end: number }, route: Route): { start: number; end: number } {
  const w = route.kind !== 'union' ? route.window : undefined;
  return { start: part.start - (w?.beforeMs ?? analysis.lookbehindMs), end: part.end + (w?.afterMs ?? analysis.lookaheadMs) + 1 };
}

/** The body without its content coding, to look into (answers are kept as the replica sent them). */
async function decoded(answer: UpstreamAnswer): Promise<Buffer> {
  const coding = answer.headers['content-encoding'];
  try {
    if (coding === 'gzip') return await gunzipAsync(answer.body);
    if (coding === 'deflate') return await inflateAsync(answer.body);
  } catch {
    // A body we cannot decode is not kept either: say it has annotations.
    return WARNINGS_MARK;
  }
  return answer.body;
}

const WARNINGS_MARK = Buffer.from('{"warnings":["undecodable"]}');

/**
 * A 5xx that is the replicas' fault, not the query's: not Prometheus's JSON `timeout`/`canceled`
 * (final, see upstream/answer-class.ts), and not an error two replicas agreed on.
 */
function replicaFaultAnswer(answer: UpstreamAnswer): boolean {
  if (answer.statusCode < 500 || answer.queryFault) return false;
  const contentType = answer.headers['content-type'];
  return classifyAnswer(answer.statusCode, typeof contentType === 'string' ? contentType : undefined, answer.body) === 'replica_fault';
}

/** The replicas asked failed (down, refused, unavailable): another replica may still answer. */
function isReplicaFailure(err: unknown): boolean {
  return err instanceof NoHealthyReplicaError || err instanceof UpstreamUnavailableError;
}

/** A whole answer: one larger than the buffer limit cannot be stitched or merged. */
async function bufferWhole(answer: UpstreamAnswer): Promise<UpstreamAnswer> {
  if (!answer.rest) return answer;
  answer.rest.destroy();
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
