import type { FastifyInstance } from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { type Clock, systemClock } from './clock/clock.js';
import type { Config } from './config/index.js';
import { CacheStore } from './cache/cache-store.js';
import { RangeCache } from './cache/range-cache.js';
import { Gateway } from './gateway/gateway.js';
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
            // Readiness answers in milliseconds on a healthy Prometheus, even a busy one.
            stallAfterMs: Math.min(250, Math.max(50, config.health_check.timeout / 2)),
          },
          { now: () => clock.now(), dispatcher: deps.dispatcher },
        ),
    ),
  );
  const healthChecker = new HealthChecker(config.health_check, replicas.all, clock);
  const runner = new AttemptRunner(config.routing, replicas, buildPolicy(config.routing.policy), { clock, observer: metrics });
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
  });

  let draining = false;
  const server = buildServer(
    config,
    {
      gateway,
      registry,
      isReady: () => !draining && replicas.hasLive(),
      isDraining: () => draining,
      clock,
      onRefused: (reason) => metrics.refused.inc({ reason }),
    },
    metrics,
  );
  watchReplicas(replicas, metrics, server);

  return {
    server,
    replicas,
    metrics,
    start: () => healthChecker.start(),
    async listen(address = config.listen_address) {
      const { host, port } = splitAddress(address);
      return server.listen({ host, port });
    },
    async close() {
      draining = true;
      healthChecker.stop();
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

/** `HOST:PORT`, `[::1]:PORT` or `:PORT` (all interfaces), as Prometheus's --web.listen-address. */
export function splitAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const rawHost = address.slice(0, i);
  const host = rawHost === '' ? '0.0.0.0' : rawHost.replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(address.slice(i + 1)) };
}
