import type { FastifyInstance } from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { type Clock, systemClock } from './clock/clock.js';
import type { Config } from './config/index.js';
import { CacheStore } from './cache/cache-store.js';
import { RangeCache } from './cache/range-cache.js';
import { CoverageRouter } from './gateway/coverage-router.js';
import { Gateway } from './gateway/gateway.js';
import { CoverageMap, CoverageProber, type Intervals } from './ha/index.js';
import { HaMetrics } from './metrics/ha-metrics.js';
import { AnalysisMemo } from './promql/index.js';
import type { RoutingObserver } from './routing/routing-observer.js';
import { CacheMetrics } from './metrics/cache-metrics.js';
import { buildServer } from './http/build-server.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import { AttemptRunner } from './routing/attempt-runner.js';
import { buildPolicy } from './routing/build-policy.js';
import { HealthChecker } from './upstream/health-checker.js';
import { Replica, type ReplicaDeps } from './upstream/replica.js';
import { ReplicaSet } from './upstream/replica-set.js';

export interface AppDeps {
  readonly clock?: Clock;
  readonly registry?: Registry;
  /** Collect Node process metrics (CPU, memory, event loop) on the registry. Off in tests. */
  readonly processMetrics?: boolean;
  readonly dispatcher?: ReplicaDeps['dispatcher'];
}

export interface App {
  readonly server: FastifyInstance;
  readonly replicas: ReplicaSet;
  readonly metrics: GatewayMetrics;
  /** Runs the first health-check round, then keeps checking. */
  start(): Promise<void>;
  /** Starts listening; resolves with the bound address. */
  listen(address?: string): Promise<string>;
  /** Stops taking requests, drains in-flight ones, then releases every timer and connection. */
  close(): Promise<void>;
}

/** The composition root: builds every component from its own slice of the config and wires them. */
export function buildApp(config: Config, deps: AppDeps = {}): App {
  const clock = deps.clock ?? systemClock;
  const registry = deps.registry ?? new Registry();
  if (deps.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'promgate_' });
  const metrics = new GatewayMetrics(registry);

  const replicas = new ReplicaSet(
    config.replicas.map(
      (r) =>
        new Replica(
          {
            name: r.name,
            url: r.url,
            upstream: config.upstream,
            breaker: config.circuit_breaker,
            fall: config.health_check.fall,
            rise: config.health_check.rise,
            attemptTimeoutMs: config.routing.attempt_timeout,
            // Readiness answers in milliseconds on a healthy Prometheus; a probe near its timeout
            // says frozen, long before `fall` failed checks (slower on a CPU-starved box is fine).
            stallAfterMs: Math.max(50, config.health_check.timeout * 0.8),
          },
          { now: () => clock.now(), dispatcher: deps.dispatcher },
        ),
    ),
  );
  const healthChecker = new HealthChecker(config.health_check, replicas.all, clock);
  const byName = new Map(replicas.all.map((r) => [r.name, r]));

  // Replica coverage: which time each replica holds data for (ha/).
  const coverage = new CoverageMap(replicas.all.map((r) => r.name), config.ha.max_holes);
  const haMetrics = new HaMetrics(registry, () => summarizeHoles(coverage));
  const prober = new CoverageProber(config.ha, coverage, {
    clock,
    get: (name, path, timeoutMs) => byName.get(name)!.get(path, timeoutMs),
    healthy: (name) => byName.get(name)?.isLive() ?? false,
    onNewHoles: (found) => {
      // Answers kept before a hole was known may have been served from it.
      store.clear();
      for (const [replica, holes] of found) haMetrics.holesFound.inc({ replica }, holes.length);
    },
    log: { debug: (o, m) => server.log.debug(o, m), warn: (o, m) => server.log.warn(o, m) },
  });
  const suspect = (name: string) => {
    if (config.ha.enabled) coverage.markSuspect(name, clock.now());
  };
  // A replica that refused a connection may have died and come back with a hole: not trusted
  // for the time since it was last verified until a probe covers it.
  const observer: RoutingObserver = {
    attempt: (replica, outcome, seconds) => {
      metrics.attempt(replica, outcome, seconds);
      if (outcome === 'connection_error') suspect(replica);
    },
    retry: () => metrics.retry(),
    hedge: () => metrics.hedge(),
    hedgeWon: () => metrics.hedgeWon(),
    throttled: (kind) => metrics.throttled(kind),
    rescue: () => metrics.rescue(),
  };
  const runner = new AttemptRunner(config.routing, replicas, buildPolicy(config.routing.policy), { clock, observer });
  const analyses = new AnalysisMemo();
  const coverageRouter = config.ha.enabled
    ? new CoverageRouter(config.ha, { map: coverage, live: () => replicas.live().map((r) => r.name), analyze: (q) => analyses.analyze(q) })
    : undefined;
  // The gauges read the store at scrape time; the store reports evictions to the metrics.
  const cacheMetrics: CacheMetrics = new CacheMetrics(registry, () => ({ bytes: store.bytes, entries: store.entries, maxBytes: config.cache.max_bytes }));
  const store: CacheStore = new CacheStore({ maxBytes: config.cache.max_bytes, now: () => clock.now(), observer: cacheMetrics });
  const rangeCache = new RangeCache(store, config.cache);
  metrics.readBudgetsFrom(() => ({ hedges: runner.hedgeBudget.spent, retries: runner.retryBudget.spent }));
  const gateway = new Gateway(config.cache, {
    runner,
    store,
    rangeCache,
    clock,
    observer: cacheMetrics,
    stickyRouting: config.routing.policy === 'sticky',
    log: { debug: (obj, msg) => server.log.debug(obj, msg) },
    coverage: coverageRouter,
    haObserver: haMetrics,
    analyses,
  });

  let draining = false;
  const server = buildServer(
    config,
    {
      gateway,
      registry,
      isReady: () => !draining && replicas.hasLive(),
      isDraining: () => draining,
      replicasStatus: () => replicasStatus(replicas, coverage, prober),
      clock,
      onRefused: (reason) => metrics.refused.inc({ reason }),
    },
    metrics,
  );
  watchReplicas(replicas, metrics, server);
  for (const r of replicas.all) {
    r.on('health', (state: 'up' | 'down') => (state === 'down' ? suspect(r.name) : config.ha.enabled && void prober.probeNow()));
    r.on('breaker', (state: string) => state === 'open' && suspect(r.name));
    r.on('probe-refused', () => suspect(r.name));
  }

  return {
    server,
    replicas,
    metrics,
    async start() {
      await healthChecker.start();
      // Coverage is known before the first query is routed, within reason: a replica that hangs
      // the first probe must not keep promgate from starting.
      if (!config.ha.enabled) return;
      let timer: ReturnType<typeof clock.setTimeout> | undefined;
      await Promise.race([prober.start(), new Promise((r) => (timer = clock.setTimeout(() => r(undefined), 15_000)))]);
      if (timer) clock.clearTimeout(timer);
    },
    async listen(address = config.listen_address) {
      const { host, port } = splitAddress(address);
      return server.listen({ host, port });
    },
    async close() {
      draining = true;
      healthChecker.stop();
      prober.stop();
      await server.close();
      await replicas.close();
    },
  };
}

function watchReplicas(replicas: ReplicaSet, metrics: GatewayMetrics, server: FastifyInstance): void {
  for (const r of replicas.all) {
    metrics.replicaUp.set({ replica: r.name }, r.healthy ? 1 : 0);
    metrics.setBreakerState(r.name, r.breakerState);
    r.on('health', (state: 'up' | 'down') => {
      metrics.replicaUp.set({ replica: r.name }, state === 'up' ? 1 : 0);
      server.log.warn({ replica: r.name, url: r.url.origin }, `replica is ${state}`);
    });
    r.on('breaker', (state: 'open' | 'half_open' | 'closed') => {
      metrics.setBreakerState(r.name, state);
      server.log.warn({ replica: r.name }, `circuit breaker ${state}`);
    });
  }
  metrics.readInFlightFrom(() => replicas.all.map((r) => [r.name, r.inFlight] as [string, number]));
}

function summarizeHoles(coverage: CoverageMap) {
  return coverage.names.map((replica) => {
    const state = coverage.of(replica)!;
    const finite = state.holes.filter((h) => Number.isFinite(h.start) && Number.isFinite(h.end));
    return {
      replica,
      holes: state.holes.length + state.suspect.length,
      holeSeconds: finite.reduce((t, h) => t + (h.end - h.start) / 1000, 0),
      probedUntilSeconds: state.probedUntil === undefined ? undefined : state.probedUntil / 1000,
    };
  });
}

/** What /-/replicas shows. */
function replicasStatus(replicas: ReplicaSet, coverage: CoverageMap, prober: CoverageProber) {
  const iso = (t: number) => (Number.isFinite(t) ? new Date(t).toISOString() : t > 0 ? 'now' : 'beginning');
  const spans = (list: Intervals) => list.map((h) => ({ start: iso(h.start), end: iso(h.end) }));
  return {
    probe: { ...prober.status, lastProbeAt: prober.status.lastProbeAt === undefined ? undefined : iso(prober.status.lastProbeAt) },
    replicas: replicas.all.map((r) => {
      const state = coverage.of(r.name);
      return {
        name: r.name,
        url: r.url.origin + r.url.pathname.replace(/\/+$/, ''),
        healthy: r.healthy,
        live: r.isLive(),
        breaker: r.breakerState,
        inFlight: r.inFlight,
        holes: spans(state?.holes ?? []),
        suspect: spans(state?.suspect ?? []),
        probedUntil: state?.probedUntil === undefined ? undefined : iso(state.probedUntil),
      };
    }),
  };
}

/** `HOST:PORT`, `[::1]:PORT` or `:PORT` (all interfaces), as Prometheus's --web.listen-address. */
export function splitAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const rawHost = address.slice(0, i);
  const host = rawHost === '' ? '0.0.0.0' : rawHost.replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(address.slice(i + 1)) };
}
