import { z } from 'zod';
import type { ReplicaHttpConfig } from './http-config.js';
import { httpConfigSchema } from './http-config-schema.js';
import { byteSize, duration } from './units.js';

/**
 * The one source of promgate's configuration: types, defaults and validation. Every object is
 * strict, so a misspelt key is an error that names it instead of a silently ignored setting.
 * Keys are snake_case and durations are Prometheus strings, as in prometheus.yml.
 */

/**
 * A replica URL as it may be printed (errors end up in logs, in check-config output and in
 * /-/reload's answer): any text with an `@` may hold credentials, however it is spelled, so it
 * is shown as its origin when it parses and not at all otherwise.
 */
function shown(text: string): string {
  if (!text.includes('@')) return `"${text}"`;
  try {
    const origin = new URL(text.trim()).origin;
    if (origin !== 'null' && !origin.includes('@')) return `"${origin}" (credentials not shown)`;
  } catch {
    // not a URL: nothing of it is shown
  }
  return 'a replica URL containing "@" (not shown: it may hold credentials)';
}

const replicaUrl = z.string().transform((text, ctx) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: `${shown(text)} is not an absolute URL` });
    return z.NEVER;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: `${shown(text)} must use http or https` });
    return z.NEVER;
  }
  if (url.search || url.hash || url.username || url.password) {
    ctx.addIssue({ code: 'custom', message: `${shown(text)} must not carry a query, fragment or credentials (use http_config.basic_auth)` });
    return z.NEVER;
  }
  return url;
});

const replica = z.strictObject({
  url: replicaUrl,
  name: z.string().min(1).optional(),
  /** Over the top-level http_config: auth replaces its auth, tls_config and headers merge key by key. */
  http_config: httpConfigSchema.optional(),
});

const listenAddress = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]*):\d{1,5}$/, 'must be HOST:PORT (e.g. 127.0.0.1:9099 or :9099)');

const healthCheck = z.strictObject({
  path: z.string().startsWith('/').default('/-/ready'),
  interval: duration.prefault('1s'),
  timeout: duration.prefault('1s'),
  fall: z.number().int().min(1).default(2),
  rise: z.number().int().min(1).default(2),
});

const circuitBreaker = z.strictObject({
  enabled: z.boolean().default(true),
  error_threshold_percentage: z.number().min(1).max(100).default(50),
  volume_threshold: z.number().int().min(1).default(5),
  rolling_window: duration.prefault('10s'),
  rolling_buckets: z.number().int().min(1).default(10),
  reset_timeout: duration.prefault('5s'),
});

const hedge = z.strictObject({
  enabled: z.boolean().default(true),
  /** `auto` derives the delay from each replica's observed latency. */
  delay: z.union([z.literal('auto'), duration]).prefault('auto'),
  min_delay: duration.prefault('30ms'),
  max_delay: duration.prefault('500ms'),
  /** Quantile of a replica's recent latencies used for the auto delay. */
  quantile: z.number().gt(0).lt(1).default(0.95),
  /** Hedges in flight at most this share of the requests in flight (Envoy's retry budget). */
  budget_ratio: z.number().min(0).max(1).default(0.1),
  /** Hedges allowed in flight whatever the ratio says: one, so a lone request to a frozen replica is still hedged. */
  budget_min_concurrency: z.number().int().min(0).default(1),
});

const retryBudget = z.strictObject({
  /** Retries after a live replica's fault (5xx, timeout) in flight at most this share of the requests in flight. */
  ratio: z.number().min(0).max(1).default(0.2),
  /** Retries allowed in flight whatever the ratio says (Envoy's min_retry_concurrency). */
  min_concurrency: z.number().int().min(0).default(3),
});

const routing = z.strictObject({
  policy: z.enum(['round_robin', 'least_loaded', 'sticky']).default('round_robin'),
  max_attempts: z.number().int().min(1).max(10).default(3),
  attempt_timeout: duration.prefault('2m30s'),
  total_deadline: duration.prefault('5m'),
  hedge: hedge.prefault({}),
  retry_budget: retryBudget.prefault({}),
});

const upstream = z.strictObject({
  connect_timeout: duration.prefault('2s'),
  connections_per_replica: z.number().int().min(1).default(128),
  keep_alive_timeout: duration.prefault('30s'),
  /** Answers up to this size are buffered whole, so a replica dying mid-answer is retried. */
  max_buffered_response_bytes: byteSize.prefault('64MiB'),
});

const limits = z.strictObject({
  max_url_bytes: byteSize.prefault('32KiB'),
  max_header_bytes: byteSize.prefault('64KiB'),
  max_body_bytes: byteSize.prefault('8MiB'),
});

const cache = z.strictObject({
  enabled: z.boolean().default(true),
  /** Identical requests in flight share one upstream evaluation. */
  coalesce: z.boolean().default(true),
  /** Bytes held by cached answers and range extents, all entries together. */
  max_bytes: byteSize.prefault('256MiB'),
  /** Data newer than now - freshness may still change (late scrapes, rule evaluation): always fetched. */
  freshness: duration.prefault('10m'),
  /** How long an answer about settled data is kept. */
  ttl: duration.prefault('6h'),
  /** labels, series, label values and metadata: short, since new series appear any time. */
  metadata_ttl: duration.prefault('15s'),
  /** Headers that identify a client; their values are part of every cache key. */
  identity_headers: z.array(z.string().min(1).toLowerCase()).default(['authorization', 'x-scope-orgid', 'cookie']),
});

const http = z.strictObject({
  /**
   * A client that half-closes after sending its request (nc, HTTP/1.0 tools) cannot be told from
   * one that left (Grafana canceling a panel): both send FIN. Its request goes on for this long, so
   * quick answers reach it whole, as through HAProxy; then it is canceled and answered 503
   * `canceled`, as Prometheus itself does, so abandoned heavy queries stop.
   */
  half_close_grace: duration.prefault('250ms'),
});

const ha = z.strictObject({
  /** Route every step of a query to a replica that holds all the data it reads (see README, "Replicas with holes"). */
  enabled: z.boolean().default(true),
  /**
   * A series every replica writes on every scrape, whatever the target's health: its absence on one
   * replica where another has it marks a hole. `up` is written for every scrape attempt.
   */
  probe_selector: z.string().min(1).default('up'),
  /** Step of the probe; `auto` reads global.scrape_interval from each replica's /api/v1/status/config. */
  probe_resolution: z.union([z.literal('auto'), duration]).prefault('auto'),
  /** How often the recent past is probed again. */
  probe_interval: duration.prefault('5s'),
  /** Prometheus's --query.lookback-delta on the replicas: how far back an instant selector looks. */
  lookback_delta: duration.prefault('5m'),
  /** Most hole intervals kept per replica; beyond, the closest holes merge (which only widens them). */
  max_holes: z.number().int().min(1).default(1000),
});

const shutdown = z.strictObject({
  /**
   * After SIGTERM, /-/ready answers 503 at once while requests are still served for this long, so
   * a load balancer or Kubernetes takes promgate out of rotation before it stops listening.
   */
  grace_period: duration.prefault('5s'),
  /** Then in-flight requests get this long to finish before promgate exits anyway. */
  drain_timeout: duration.prefault('30s'),
});

export const configSchema = z
  .strictObject({
    listen_address: listenAddress.default('127.0.0.1:9099'),
    log_level: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    replicas: z.array(replica).min(1, 'at least one replica is required'),
    /** Applied to every replica; a replica's own http_config overrides it. */
    http_config: httpConfigSchema.optional(),
    health_check: healthCheck.prefault({}),
    circuit_breaker: circuitBreaker.prefault({}),
    routing: routing.prefault({}),
    upstream: upstream.prefault({}),
    limits: limits.prefault({}),
    cache: cache.prefault({}),
    http: http.prefault({}),
    ha: ha.prefault({}),
    shutdown: shutdown.prefault({}),
  })
  .superRefine((cfg, ctx) => {
    const names = new Set<string>();
    cfg.replicas.forEach((r, i) => {
      const name = r.name ?? r.url.host;
      if (names.has(name)) {
        ctx.addIssue({ code: 'custom', path: ['replicas', i, 'name'], message: `duplicate replica name "${name}"` });
      }
      names.add(name);
    });
    if (cfg.health_check.timeout > cfg.health_check.interval) {
      ctx.addIssue({ code: 'custom', path: ['health_check', 'timeout'], message: 'must not exceed health_check.interval' });
    }
    if (cfg.routing.attempt_timeout > cfg.routing.total_deadline) {
      ctx.addIssue({ code: 'custom', path: ['routing', 'attempt_timeout'], message: 'must not exceed routing.total_deadline' });
    }
    if (cfg.routing.hedge.min_delay > cfg.routing.hedge.max_delay) {
      ctx.addIssue({ code: 'custom', path: ['routing', 'hedge', 'min_delay'], message: 'must not exceed routing.hedge.max_delay' });
    }
    if (cfg.limits.max_url_bytes > cfg.limits.max_header_bytes) {
      ctx.addIssue({ code: 'custom', path: ['limits', 'max_url_bytes'], message: 'must not exceed limits.max_header_bytes (the request line counts toward the header limit)' });
    }
  });

export type RawConfig = z.input<typeof configSchema>;
type Parsed = z.output<typeof configSchema>;

/** A replica with its name resolved, and its http_config merged with the top-level one and its files read. */
export interface ReplicaConfig {
  readonly url: URL;
  readonly name: string;
  readonly http?: ReplicaHttpConfig;
}

export type { HttpConfigSettings } from './http-config-schema.js';

export type Config = Readonly<Omit<Parsed, 'replicas'>> & { readonly replicas: readonly ReplicaConfig[] };
export type HealthCheckConfig = Config['health_check'];
export type CircuitBreakerConfig = Config['circuit_breaker'];
export type RoutingConfig = Config['routing'];
export type HedgeConfig = RoutingConfig['hedge'];
export type UpstreamConfig = Config['upstream'];
export type LimitsConfig = Config['limits'];
export type CacheConfig = Config['cache'];
export type HaConfig = Config['ha'];
