import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { AttemptOutcome, RoutingObserver } from '../routing/routing-observer.js';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** promgate_* metrics, all on the registry handed in: two gateways in one process never share one. */
export class GatewayMetrics implements RoutingObserver {
  readonly requests: Counter<'endpoint' | 'code'>;
  readonly requestDuration: Histogram<'endpoint'>;
  readonly attempts: Counter<'replica' | 'outcome'>;
  readonly attemptDuration: Histogram<'replica'>;
  readonly retries: Counter;
  readonly hedges: Counter;
  readonly hedgeWins: Counter;
  readonly throttledAttempts: Counter<'kind'>;
  readonly rescues: Counter;
  readonly replicaUp: Gauge<'replica'>;
  readonly breakerState: Gauge<'replica' | 'state'>;
  readonly inFlight: Gauge<'replica'>;
  readonly refused: Counter<'reason'>;

  /** Labeled children by label values: prom-client hashes label objects on every call otherwise. */
  readonly #answered = new Map<string, { count: { inc(): void }; duration: { observe(v: number): void } }>();
  readonly #attempted = new Map<string, { inc(): void }>();
  readonly #attemptDurations = new Map<string, { observe(v: number): void }>();
  #inFlightSource: () => Iterable<[string, number]> = () => [];
  #budgetSource: () => { hedges: number; retries: number } = () => ({ hedges: 0, retries: 0 });

  constructor(readonly registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({ name: 'promgate_http_requests_total', help: 'Requests answered, by endpoint and status code.', labelNames: ['endpoint', 'code'], registers });
    this.requestDuration = new Histogram({ name: 'promgate_http_request_duration_seconds', help: 'Time to answer a request, by endpoint.', labelNames: ['endpoint'], buckets: LATENCY_BUCKETS, registers });
    this.attempts = new Counter({ name: 'promgate_upstream_attempts_total', help: 'Attempts sent to replicas, by outcome.', labelNames: ['replica', 'outcome'], registers });
    this.attemptDuration = new Histogram({ name: 'promgate_upstream_attempt_duration_seconds', help: 'Duration of attempts to a replica.', labelNames: ['replica'], buckets: LATENCY_BUCKETS, registers });
    this.retries = new Counter({ name: 'promgate_retries_total', help: 'Attempts sent to another replica after a replica fault.', registers });
    this.hedges = new Counter({ name: 'promgate_hedges_total', help: 'Hedge attempts sent because the first attempt was slow.', registers });
    this.hedgeWins = new Counter({ name: 'promgate_hedge_wins_total', help: 'Hedge attempts that answered first.', registers });
    this.throttledAttempts = new Counter({ name: 'promgate_attempts_throttled_total', help: 'Hedges and retries not sent because their budget (a share of the requests in flight) had no room.', labelNames: ['kind'], registers });
    this.rescues = new Counter({ name: 'promgate_rescued_attempts_total', help: 'Attempts on a replica that went down or opened its breaker, replaced on another replica without waiting.', registers });
    const budgetOf = () => this.#budgetSource();
    new Gauge({ name: 'promgate_hedges_in_flight', help: 'Hedge attempts in flight (bounded by routing.hedge.budget_ratio of the requests in flight).', registers, collect() { this.set(budgetOf().hedges); } });
    new Gauge({ name: 'promgate_retries_in_flight', help: 'Retries after a live replica\'s fault in flight (bounded by routing.retry_budget).', registers, collect() { this.set(budgetOf().retries); } });
    this.replicaUp = new Gauge({ name: 'promgate_replica_up', help: '1 when the replica passes its health checks.', labelNames: ['replica'], registers });
    this.breakerState = new Gauge({ name: 'promgate_replica_breaker_state', help: '1 for the current circuit breaker state of each replica.', labelNames: ['replica', 'state'], registers });
    const inFlightOf = () => this.#inFlightSource();
    this.inFlight = new Gauge({
      name: 'promgate_replica_in_flight',
      help: 'Attempts in flight to each replica.',
      labelNames: ['replica'],
      registers,
      collect() {
        for (const [replica, n] of inFlightOf()) this.set({ replica }, n);
      },
    });
    this.refused = new Counter({ name: 'promgate_refused_requests_total', help: 'Requests refused without reaching a replica, by reason.', labelNames: ['reason'], registers });
  }

  /** Where the in-flight gauge reads its values at scrape time. */
  readInFlightFrom(source: () => Iterable<[string, number]>): void {
    this.#inFlightSource = source;
  }

  /** Where the budget gauges read their values at scrape time. */
  readBudgetsFrom(source: () => { hedges: number; retries: number }): void {
    this.#budgetSource = source;
  }

  throttled(kind: 'hedge' | 'retry'): void {
    this.throttledAttempts.inc({ kind });
  }

  rescue(): void {
    this.rescues.inc();
  }

  /** One request answered: counted by endpoint and code, timed by endpoint. */
  answered(endpoint: string, code: number, seconds: number): void {
    const key = `${endpoint}\u0000${code}`;
    let m = this.#answered.get(key);
    if (!m) {
      m = { count: this.requests.labels({ endpoint, code: String(code) }), duration: this.requestDuration.labels({ endpoint }) };
      this.#answered.set(key, m);
    }
    m.count.inc();
    m.duration.observe(seconds);
  }

  attempt(replica: string, outcome: AttemptOutcome, seconds: number): void {
    const key = `${replica}\u0000${outcome}`;
    let count = this.#attempted.get(key);
    if (!count) this.#attempted.set(key, (count = this.attempts.labels({ replica, outcome })));
    count.inc();
    if (outcome === 'canceled' || outcome === 'breaker_open') return;
    let duration = this.#attemptDurations.get(replica);
    if (!duration) this.#attemptDurations.set(replica, (duration = this.attemptDuration.labels({ replica })));
    duration.observe(seconds);
  }

  retry(): void {
    this.retries.inc();
  }

  hedge(): void {
    this.hedges.inc();
  }

  hedgeWon(): void {
    this.hedgeWins.inc();
  }

  /** A replica removed by a reload: its gauges go (its counters stay, as Prometheus keeps totals). */
  forgetReplica(replica: string): void {
    for (const key of this.#attempted.keys()) if (key.startsWith(`${replica}\u0000`)) this.#attempted.delete(key);
    this.#attemptDurations.delete(replica);
    this.replicaUp.remove({ replica });
    this.inFlight.remove({ replica });
    for (const state of ['closed', 'open', 'half_open']) this.breakerState.remove({ replica, state });
  }

  setBreakerState(replica: string, state: 'closed' | 'open' | 'half_open'): void {
    for (const s of ['closed', 'open', 'half_open'] as const) this.breakerState.set({ replica, state: s }, s === state ? 1 : 0);
  }
}
