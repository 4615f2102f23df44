import type { Server as TlsServer } from 'node:tls';
import { isDeepStrictEqual } from 'node:util';
import { createHash } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { type Clock, systemClock } from './clock/clock.js';
import type { Config, ReplicaConfig, WebConfig } from './config/index.js';
import { CacheStore } from './cache/cache-store.js';
import { RangeCache } from './cache/range-cache.js';
import { CoverageRouter } from './gateway/coverage-router.js';
import { Gateway, type GatewayRequest } from './gateway/gateway.js';
import type { UpstreamAnswer } from './upstream/upstream-types.js';
import { CoverageMap, CoverageProber, type Intervals } from './ha/index.js';
import { ConfigError } from './errors/index.js';
import { ConfigMetrics } from './metrics/config-metrics.js';
import { HaMetrics } from './metrics/ha-metrics.js';
import { AnalysisMemo } from './promql/index.js';
import type { RoutingObserver } from './routing/routing-observer.js';
import { CacheMetrics } from './metrics/cache-metrics.js';
import { buildServer, type WebSettings } from './http/build-server.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import { AttemptRunner } from './routing/attempt-runner.js';
import { buildPolicy } from './routing/build-policy.js';
import { HealthChecker } from './upstream/health-checker.js';
import { Replica, type ReplicaDeps, replicaOptionsFrom } from './upstream/replica.js';
import { ReplicaSet } from './upstream/replica-set.js';
import { CacheTally } from './status/cache-tally.js';
import { EventLog, type StatusEventKind } from './status/event-log.js';
import { ReplicaStats } from './status/replica-stats.js';
import { type ReplicaInput, statusSnapshot } from './status/status-snapshot.js';

export interface AppDeps {
  readonly clock?: Clock;
  readonly registry?: Registry;
  /** Collect Node process metrics (CPU, memory, event loop) on the registry. Off in tests. */
  readonly processMetrics?: boolean;
  readonly dispatcher?: ReplicaDeps['dispatcher'];
  /** --web.config.file: TLS and basic auth for promgate's own listener. */
  readonly web?: WebConfig;
  /** Reads --web.config.file again: a reload applies its users and certificates too. */
  readonly loadWeb?: () => Promise<WebConfig>;
  /** Reads the configuration again from where it came from: what a reload applies. */
  readonly loadConfig?: () => Promise<Config>;
  /** Serve `POST /-/reload` (Prometheus's --web.enable-lifecycle); refused without it. */
  readonly enableLifecycle?: boolean;
  /** Shown on the status page; main.ts passes package.json's. */
  readonly version?: string;
}

export interface App {
  readonly server: FastifyInstance;
  /** The replicas of the running configuration (a reload replaces them). */
  readonly replicas: ReplicaSet;
  /** The running configuration. */
  readonly config: Config;
  readonly metrics: GatewayMetrics;
  /** Runs the first health-check round, then keeps checking. */
  start(): Promise<void>;
  /** Starts listening; resolves with the bound address. */
  listen(address?: string): Promise<string>;
  /**
   * Loads the configuration again and switches to it once its replicas are checked; requests in
   * flight finish on the old replicas. A configuration that does not load is rejected (the error
   * is thrown and logged) and the running one kept. Settings that need a restart are kept as they
   * are, with a warning.
   */
  reload(): Promise<void>;
  /** Rolling restarts: /-/ready answers 503 from now on, while requests are still served. */
  beginShutdown(): void;
  /** Stops taking requests, drains in-flight ones (answered with Connection: close), then releases every timer and connection. */
  close(): Promise<void>;
}

/** How long closing waits before it closes connections still idle (see App.close). */
const CLOSE_LINGER_MS = 1_000;

/** Settings a running server cannot change; a reload keeps them and says so. */
const RESTART_ONLY = ['listen_address', 'limits', 'http'] as const;

/** What every configuration's components share: the clock, the metrics, the PromQL analyses. */
interface Shared {
  readonly clock: Clock;
  readonly metrics: GatewayMetrics;
  readonly cacheMetrics: CacheMetrics;
  readonly haMetrics: HaMetrics;
  readonly analyses: AnalysisMemo;
  readonly dispatcher: ReplicaDeps['dispatcher'];
  readonly log: () => FastifyBaseLogger;
  /** What the status page shows: events, per-replica windows, cache results. They outlive reloads. */
  readonly events: EventLog;
  readonly replicaStats: ReplicaStats;
  readonly cacheTally: CacheTally;
}

/** Everything built from one configuration: a reload builds a new one and retires the old. */
interface Core {
  readonly config: Config;
  readonly replicas: ReplicaSet;
  readonly healthChecker: HealthChecker;
  readonly coverage: CoverageMap;
  readonly prober: CoverageProber;
  readonly runner: AttemptRunner;
  readonly gateway: Gateway;
  readonly store: CacheStore;
  /** Requests this configuration is answering, streamed bodies included: it retires at 0. */
  active: number;
  /** Stops its timers and takes its listeners off its replicas. */
  stop(): void;
}

/** The composition root: builds every component from its own slice of the config and wires them. */
export function buildApp(initial: Config, deps: AppDeps = {}): App {
  const clock = deps.clock ?? systemClock;
  const registry = deps.registry ?? new Registry();
  if (deps.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'promgate_' });
  const metrics = new GatewayMetrics(registry);
  const configMetrics = new ConfigMetrics(registry);
  // Gauges read the running configuration's components at scrape time.
  const cacheMetrics: CacheMetrics = new CacheMetrics(registry, () => ({ bytes: current.store.bytes, entries: current.store.entries, maxBytes: current.config.cache.max_bytes }));
  const haMetrics = new HaMetrics(registry, () => summarizeHoles(current.coverage));
  metrics.readBudgetsFrom(() => ({ hedges: current.runner.hedgeBudget.spent, retries: current.runner.retryBudget.spent }));
  metrics.readInFlightFrom(() => current.replicas.all.map((r) => [r.name, r.inFlight] as [string, number]));
  const startedAt = clock.now();
  const events = new EventLog(clock);
  const replicaStats = new ReplicaStats({}, {
    clock,
    onFailover: (replica, outcome) => events.record({ kind: 'failover', replica, message: `attempts failing (${outcome.replace('_', ' ')}): requests go to other replicas` }),
  });
  const cacheTally = new CacheTally(cacheMetrics);
  let lastReload: { lastReloadSuccessful: boolean; lastReloadAt?: number } = { lastReloadSuccessful: true };
  const shared: Shared = { clock, metrics, cacheMetrics, haMetrics, analyses: new AnalysisMemo(), dispatcher: deps.dispatcher, log: () => server.log, events, replicaStats, cacheTally };

  let current = buildCore(initial, shared, undefined);
  configMetrics.loaded(clock.now());
  // serving → grace (not ready, still serving) → closing (listener closed, Connection: close).
  let phase: 'serving' | 'grace' | 'closing' = 'serving';
  let reloads: Promise<void> = Promise.resolve();

  const webSettings: WebSettings = { current: deps.web ?? {} };
  const server = buildServer(
    initial,
    {
      gateway: { handle: (req) => handleOn(current, req) },
      registry,
      isReady: () => phase === 'serving' && current.replicas.hasLive(),
      isDraining: () => phase === 'closing',
      replicasStatus: () => replicasStatus(current.replicas, current.coverage, current.prober),
      status: () =>
        statusSnapshot({
          now: clock.now(),
          promgate: { version: deps.version ?? 'unknown', startedAt, ready: phase === 'serving' && current.replicas.hasLive(), draining: phase !== 'serving' },
          reload: lastReload,
          replicas: replicaInputs(current.replicas, current.coverage),
          stats: (name) => replicaStats.window(name),
          cache: current.config.cache.enabled
            ? { ...cacheTally.counts, bytes: current.store.bytes, entries: current.store.entries, maxBytes: current.config.cache.max_bytes }
            : undefined,
          events: events.recent(),
        }),
      reload: deps.enableLifecycle ? () => app.reload() : undefined,
      clock,
      onRefused: (reason) => metrics.refused.inc({ reason }),
    },
    metrics,
    webSettings,
  );

  const abandoned = () => new ConfigError(['promgate is shutting down: reload abandoned']);
  // Read through a call: shutdown may begin at any await of a reload.
  const closing = () => phase === 'closing';
  const reloadOnce = async (): Promise<void> => {
    // Reloads queued before shutdown began are dropped, not run for a configuration that will never serve.
    if (closing()) throw abandoned();
    let next: Config;
    let nextWeb: WebConfig | undefined;
    try {
      if (!deps.loadConfig) throw new ConfigError(['promgate was not started from a configuration file: nothing to reload']);
      next = await deps.loadConfig();
      nextWeb = deps.loadWeb ? await deps.loadWeb() : undefined;
    } catch (err) {
      configMetrics.failed();
      lastReload = { lastReloadSuccessful: false, lastReloadAt: clock.now() };
      // Not the reason: a YAML error quotes the offending line, which may hold a secret; the log has it.
      events.record({ kind: 'reload_failed', message: 'configuration reload failed; the running one is kept (the log says why)' });
      server.log.error({ reason: (err as Error).message }, 'configuration reload failed; the running configuration is kept');
      throw err;
    }
    if (closing()) throw abandoned();
    const old = current;
    const kept = RESTART_ONLY.filter((key) => !isDeepStrictEqual(old.config[key], next[key]));
    if (kept.length > 0) server.log.warn({ settings: kept }, 'these settings change only on restart; their running values are kept');
    const config: Config = { ...next, listen_address: old.config.listen_address, limits: old.config.limits, http: old.config.http };
    if (config.log_level !== old.config.log_level && config.log_level !== 'silent') server.log.level = config.log_level;
    // The same replicas under the same cache and HA settings answer as before: the cache stays.
    // Other servers (a migrated pair, a corrected URL), or answers kept before holes were
    // checked, are not theirs to serve.
    const core = buildCore(config, shared, sameAnswers(old.config, config) ? old.store : undefined);
    await startCore(core, clock);
    if (closing()) {
      // Shutting down meanwhile: this configuration never serves.
      core.stop();
      await core.replicas.close();
      throw abandoned();
    }
    current = core;
    if (nextWeb) applyWebConfig(server, webSettings, nextWeb);
    for (const name of old.replicas.all.map((r) => r.name)) if (!core.replicas.all.some((r) => r.name === name)) metrics.forgetReplica(name);
    if (core.store !== old.store) old.store.clear();
    configMetrics.loaded(clock.now());
    lastReload = { lastReloadSuccessful: true, lastReloadAt: clock.now() };
    events.record({ kind: 'reload', message: `configuration reloaded: ${core.replicas.all.length} replicas` });
    server.log.info({ replicas: core.replicas.all.map((r) => r.name) }, 'configuration reloaded');
    void retire(old, clock);
  };

  const app: App = {
    server,
    get replicas() {
      return current.replicas;
    },
    get config() {
      return current.config;
    },
    metrics,
    start: () => startCore(current, clock),
    async listen(address = initial.listen_address) {
      const { host, port } = splitAddress(address);
      return server.listen({ host, port });
    },
    reload() {
      if (phase === 'closing') return Promise.reject(new ConfigError(['promgate is shutting down: no reload']));
      // One at a time, in the order asked; a failed one does not stop the next.
      const run = reloads.then(reloadOnce);
      reloads = run.catch(() => undefined);
      return run;
    },
    beginShutdown() {
      if (phase === 'serving') phase = 'grace';
    },
    async close() {
      phase = 'closing';
      // The listener closes now; connections end after their next answer. One still idle after
      // the linger gets no more requests from a sane client (it read Connection: close or its
      // keep-alive timeout is near): closed then, so the drain does not wait out keep-alive.
      // Node's server.close() also closes idle keep-alive connections at once, racing any client
      // that is sending its next request on one right now (a reset, a lost request): deferred.
      const raw = server.server;
      const closeIdle = raw.closeIdleConnections.bind(raw);
      raw.closeIdleConnections = () => undefined;
      const closed = server.close();
      let linger: ReturnType<typeof clock.setTimeout> | undefined;
      const lingered = await Promise.race([closed.then(() => false), new Promise<boolean>((r) => (linger = clock.setTimeout(() => r(true), CLOSE_LINGER_MS)))]);
      if (linger) clock.clearTimeout(linger);
      if (lingered) closeIdle();
      // A reload under way gives up once its replicas are checked (see reloadOnce); queued ones do not start.
      await Promise.all([closed, reloads]);
      // Health checks ran through the drain, so routing kept seeing replicas go down.
      current.stop();
      await current.replicas.close();
    },
  };
  return app;
}

function buildCore(config: Config, shared: Shared, store: CacheStore | undefined): Core {
  const { clock, metrics, haMetrics } = shared;
  const replicas = new ReplicaSet(config.replicas.map((r) => new Replica(replicaOptionsFrom(config, r), { now: () => clock.now(), dispatcher: shared.dispatcher })));
  const healthChecker = new HealthChecker(config.health_check, replicas.all, clock);
  const byName = new Map(replicas.all.map((r) => [r.name, r]));
  const cache = store ?? new CacheStore({ maxBytes: config.cache.max_bytes, now: () => clock.now(), observer: shared.cacheMetrics });

  // Replica coverage: which time each replica holds data for (ha/).
  const coverage = new CoverageMap(replicas.all.map((r) => r.name), config.ha.max_holes);
  const prober = new CoverageProber(config.ha, coverage, {
    clock,
    get: (name, path, timeoutMs) => byName.get(name)!.get(path, timeoutMs),
    healthy: (name) => byName.get(name)?.isLive() ?? false,
    onNewHoles: (found) => {
      // Answers kept before a hole was known may have been served from it.
      cache.clear();
      for (const [replica, holes] of found) haMetrics.holesFound.inc({ replica }, holes.length);
    },
    log: { debug: (o, m) => shared.log().debug(o, m), warn: (o, m) => shared.log().warn(o, m) },
  });
  const suspect = (name: string) => {
    if (config.ha.enabled) coverage.markSuspect(name, clock.now());
  };
  // A replica that refused a connection may have died and come back with a hole: not trusted
  // for the time since it was last verified until a probe covers it.
  const observer: RoutingObserver = {
    attempt: (replica, outcome, seconds) => {
      shared.replicaStats.observe(replica, outcome, seconds);
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
  const gateway = new Gateway(config.cache, {
    runner,
    store: cache,
    rangeCache: new RangeCache(cache, config.cache),
    clock,
    observer: shared.cacheTally,
    stickyRouting: config.routing.policy === 'sticky',
    log: { debug: (obj, msg) => shared.log().debug(obj, msg) },
    coverage: config.ha.enabled
      ? new CoverageRouter(config.ha, { map: coverage, live: () => replicas.live().map((r) => r.name), analyze: (q) => shared.analyses.analyze(q) })
      : undefined,
    haObserver: haMetrics,
    analyses: shared.analyses,
  });

  const detach: Array<() => void> = [];
  for (const r of replicas.all) {
    metrics.replicaUp.set({ replica: r.name }, r.healthy ? 1 : 0);
    metrics.setBreakerState(r.name, r.breakerState);
    const onHealth = (state: 'up' | 'down') => {
      metrics.replicaUp.set({ replica: r.name }, state === 'up' ? 1 : 0);
      shared.log().warn({ replica: r.name, url: r.url.origin }, `replica is ${state}`);
      shared.events.record({ kind: state === 'up' ? 'replica_up' : 'replica_down', replica: r.name, message: state === 'up' ? 'passing its health checks again' : 'failing its health checks: out of rotation' });
      if (state === 'down') suspect(r.name);
      else if (config.ha.enabled) void prober.probeNow();
    };
    const onBreaker = (state: 'open' | 'half_open' | 'closed') => {
      metrics.setBreakerState(r.name, state);
      shared.log().warn({ replica: r.name }, `circuit breaker ${state}`);
      shared.events.record({ kind: `breaker_${state}` satisfies StatusEventKind, replica: r.name, message: BREAKER_EVENT[state] });
      if (state === 'open') suspect(r.name);
    };
    const onProbeRefused = () => suspect(r.name);
    r.on('health', onHealth);
    r.on('breaker', onBreaker);
    r.on('probe-refused', onProbeRefused);
    detach.push(() => {
      r.off('health', onHealth);
      r.off('breaker', onBreaker);
      r.off('probe-refused', onProbeRefused);
    });
  }

  return {
    config,
    replicas,
    healthChecker,
    coverage,
    prober,
    runner,
    gateway,
    store: cache,
    active: 0,
    stop() {
      healthChecker.stop();
      prober.stop();
      for (const off of detach) off();
    },
  };
}

/**
 * First health-check round; then coverage is known before the first query is routed, within
 * reason: a replica that hangs the first probe must not keep promgate from starting.
 */
async function startCore(core: Core, clock: Clock): Promise<void> {
  await core.healthChecker.start();
  if (!core.config.ha.enabled) return;
  let timer: ReturnType<typeof clock.setTimeout> | undefined;
  await Promise.race([core.prober.start(), new Promise((r) => (timer = clock.setTimeout(() => r(undefined), 15_000)))]);
  if (timer) clock.clearTimeout(timer);
}

/**
 * Whether kept answers are still the answers this configuration would give: the same servers,
 * asked the same way (a tenant header or credentials change what a server answers).
 */
function sameAnswers(before: Config, after: Config): boolean {
  const servers = (c: Config) => c.replicas.map((r) => `${r.name} ${r.url.href} ${requestFingerprint(r.http)}`).sort();
  return isDeepStrictEqual(before.cache, after.cache) && isDeepStrictEqual(before.ha, after.ha) && isDeepStrictEqual(servers(before), servers(after));
}

/** A digest of everything a replica is asked with, secrets included (revealed only into the hash). */
function requestFingerprint(http: ReplicaConfig['http']): string {
  if (!http) return '';
  const headers = Object.entries(http.headers).map(([name, value]) => [name, value.reveal()]);
  const { key, ...tls } = http.tls;
  return createHash('sha256').update(JSON.stringify([headers, tls, key?.reveal() ?? null])).digest('hex');
}

/**
 * New users apply to the next request; new certificates and client-certificate policy to the next
 * connection. Turning TLS on or off needs a new listener: kept as it is, with a warning.
 */
function applyWebConfig(server: FastifyInstance, settings: WebSettings, next: WebConfig): void {
  const before = settings.current.tls;
  let tls = next.tls;
  if (Boolean(before) !== Boolean(tls)) {
    server.log.warn('turning TLS on or off needs a restart; the listener keeps its current setting');
    tls = before;
  } else if (tls) {
    const listener = server.server as unknown as TlsServer;
    listener.setSecureContext({ cert: tls.cert, key: tls.key, ca: tls.ca, minVersion: tls.minVersion, maxVersion: tls.maxVersion, honorCipherOrder: tls.honorCipherOrder });
    // setSecureContext leaves the server's own options as they were.
    Object.assign(listener, { requestCert: tls.requestCert, rejectUnauthorized: tls.rejectUnauthorized });
  }
  settings.current = { ...next, tls };
}

/**
 * A request answered by the configuration running when it arrived, start to end: its retries and
 * fallbacks, and the rest of an answer too large to buffer, which streams from the replica's pool
 * after this resolves. A reload retires that configuration only once none is left.
 */
function handleOn(core: Core, req: GatewayRequest): Promise<UpstreamAnswer> {
  core.active++;
  const done = () => void core.active--;
  return core.gateway.handle(req).then(
    (answer) => {
      if (answer.rest && !answer.rest.destroyed) answer.rest.once('close', done);
      else done();
      return answer;
    },
    (err: unknown) => {
      done();
      throw err;
    },
  );
}

/** A replaced configuration: its replicas close once what is in flight on them has finished (or its deadline passed). */
async function retire(core: Core, clock: Clock): Promise<void> {
  core.stop();
  const deadline = clock.now() + core.config.routing.total_deadline + 1_000;
  while ((core.active > 0 || core.replicas.all.some((r) => r.inFlight > 0)) && clock.now() < deadline) {
    await new Promise((r) => clock.setTimeout(() => r(undefined), 100));
  }
  await core.replicas.close();
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

const BREAKER_EVENT = {
  open: 'circuit breaker open: no requests until it half-opens',
  half_open: 'circuit breaker half-open: trial requests',
  closed: 'circuit breaker closed: taking requests',
} as const;

/** The replicas as the status page shows them (status/status-snapshot.ts strips URL credentials). */
function replicaInputs(replicas: ReplicaSet, coverage: CoverageMap): ReplicaInput[] {
  return replicas.all.map((r) => {
    const state = coverage.of(r.name);
    return {
      name: r.name,
      url: r.url,
      healthy: r.healthy,
      live: r.isLive(),
      breaker: r.breakerState,
      inFlight: r.inFlight,
      holes: state?.holes,
      suspect: state?.suspect,
      probedUntil: state?.probedUntil,
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
