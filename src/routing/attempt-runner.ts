import type { Clock, TimerHandle } from '../clock/clock.js';
import type { RoutingConfig } from '../config/index.js';
import {
  AttemptCanceledError,
  BreakerOpenError,
  DeadlineExceededError,
  NoHealthyReplicaError,
  UpstreamBadStatusError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../errors/index.js';
import type { UpstreamAnswer, UpstreamRequest } from '../upstream/upstream-types.js';
import { hedgeDelay } from './hedge-delay.js';
import type { Candidate, PickContext, Policy } from './policy.js';
import { pickByRendezvous } from './rendezvous-hash.js';
import type { AttemptOutcome, RoutingObserver } from './routing-observer.js';

export interface RunContext extends PickContext {
  /** Aborted when the client goes away. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Requests with one affinity key go to one replica while it is live, whatever the policy
   * (rendezvous hash): the range cache's pieces of one query then come from one replica's data.
   */
  readonly affinityKey?: string | undefined;
}

/** What the runner needs of a replica: upstream/Replica is one. */
export interface RoutableReplica extends Candidate {
  send(req: UpstreamRequest, signal: AbortSignal): Promise<UpstreamAnswer>;
  latency(latencyClass: string): { readonly size: number; quantile(q: number): number | undefined };
}

/** Where the runner finds replicas that may take new requests: upstream/LiveReplicas is one. */
export interface LiveReplicas {
  live(): RoutableReplica[];
}

export interface AttemptRunnerDeps {
  readonly clock: Clock;
  readonly observer: RoutingObserver;
}

/**
 * Gets one final answer for a request from the replica set: the first attempt goes where the
 * policy says; a replica fault moves the request to another live replica at once; an attempt that
 * has not answered within the hedge delay gets a second one beside it, and the first final answer
 * wins while the others are canceled. Bounded by max_attempts and the total deadline.
 */
export class AttemptRunner {
  readonly #cfg: RoutingConfig;
  readonly #replicas: LiveReplicas;
  readonly #policy: Policy;
  readonly #deps: AttemptRunnerDeps;

  constructor(cfg: RoutingConfig, replicas: LiveReplicas, policy: Policy, deps: AttemptRunnerDeps) {
    this.#cfg = cfg;
    this.#replicas = replicas;
    this.#policy = policy;
    this.#deps = deps;
  }

  run(req: UpstreamRequest, ctx: RunContext): Promise<UpstreamAnswer> {
    return new Promise<UpstreamAnswer>((resolve, reject) => {
      new AttemptRace(this.#cfg, this.#replicas, this.#policy, this.#deps, req, ctx, resolve, reject).begin();
    });
  }
}

/** The state of one request's attempts. Lives until it settles. */
class AttemptRace {
  readonly #active = new Map<RoutableReplica, AbortController>();
  readonly #tried = new Set<RoutableReplica>();
  readonly #deadlineAt: number;
  #started = 0;
  #settled = false;
  #hedgeTimer: TimerHandle | undefined;
  #deadlineTimer: TimerHandle | undefined;
  #lastError: unknown;
  #lastFaultAnswer: UpstreamAnswer | undefined;
  #hedgedReplica: RoutableReplica | undefined;
  readonly #onClientAbort = () => this.#fail(new AttemptCanceledError('client went away'));

  constructor(
    readonly cfg: RoutingConfig,
    readonly replicas: LiveReplicas,
    readonly policy: Policy,
    readonly deps: AttemptRunnerDeps,
    readonly req: UpstreamRequest,
    readonly ctx: RunContext,
    readonly resolve: (a: UpstreamAnswer) => void,
    readonly reject: (e: unknown) => void,
  ) {
    this.#deadlineAt = deps.clock.now() + cfg.total_deadline;
  }

  begin(): void {
    if (this.ctx.signal?.aborted) return this.#fail(new AttemptCanceledError('client went away'));
    const first = this.#launch(false);
    if (!first) return this.#fail(new NoHealthyReplicaError('no healthy replica: every replica is failing its checks or has its circuit breaker open'));
    this.ctx.signal?.addEventListener('abort', this.#onClientAbort, { once: true });
    this.#deadlineTimer = this.deps.clock.setTimeout(
      () => this.#fail(new DeadlineExceededError(`no answer within the total deadline of ${this.cfg.total_deadline}ms`)),
      this.cfg.total_deadline,
    );
    this.#armHedge(first);
  }

  #armHedge(first: RoutableReplica): void {
    if (!this.cfg.hedge.enabled || this.cfg.max_attempts < 2) return;
    const delay = hedgeDelay(this.cfg.hedge, first.latency(this.req.latencyClass));
    this.#hedgeTimer = this.deps.clock.setTimeout(() => {
      this.#hedgeTimer = undefined;
      if (this.#settled || this.#started >= this.cfg.max_attempts) return;
      const hedge = this.#launch(true);
      if (hedge) {
        this.#hedgedReplica = hedge;
        this.deps.observer.hedge();
      }
    }, delay);
  }

  /** Starts an attempt on a replica the policy picks; prefers replicas not tried yet. */
  #launch(isHedge: boolean): RoutableReplica | undefined {
    const live = this.replicas.live().filter((r) => !this.#active.has(r));
    const untried = live.filter((r) => !this.#tried.has(r));
    // A hedge only makes sense on another replica; a retry may go back to a replica that failed
    // once when it is the only one left, since a reset or a 5xx is often transient.
    const pool = untried.length > 0 || isHedge ? untried : live;
    const replica = this.ctx.affinityKey !== undefined ? pickByRendezvous(pool, this.ctx.affinityKey) : this.policy.pick(pool, this.ctx);
    if (!replica) return undefined;
    this.#tried.add(replica);
    this.#started++;
    const controller = new AbortController();
    this.#active.set(replica, controller);
    const timeout = Math.max(1, Math.min(this.cfg.attempt_timeout, this.#deadlineAt - this.deps.clock.now()));
    const timer = this.deps.clock.setTimeout(
      () => controller.abort(new UpstreamTimeoutError(`replica ${replica.name} did not answer within ${timeout}ms`)),
      timeout,
    );
    const startedAt = this.deps.clock.now();
    replica.send(this.req, controller.signal).then(
      (answer) => {
        this.deps.clock.clearTimeout(timer);
        this.#active.delete(replica);
        this.#report(replica, 'success', startedAt);
        if (replica === this.#hedgedReplica && !this.#settled) this.deps.observer.hedgeWon();
        this.#succeed(answer);
      },
      (err: unknown) => {
        this.deps.clock.clearTimeout(timer);
        this.#active.delete(replica);
        this.#report(replica, outcomeOf(err), startedAt);
        this.#attemptFailed(err);
      },
    );
    return replica;
  }

  #attemptFailed(err: unknown): void {
    if (this.#settled) return;
    if (err instanceof AttemptCanceledError) return;
    this.#lastError = err;
    if (err instanceof UpstreamBadStatusError && isAnswer(err.cause)) this.#lastFaultAnswer = err.cause;
    if (this.#started < this.cfg.max_attempts && this.deps.clock.now() < this.#deadlineAt) {
      if (this.#launch(false)) {
        this.deps.observer.retry();
        return;
      }
    }
    if (this.#active.size > 0) return;
    // Every attempt failed. A replica's own error answer (say a 500 from the query engine) is
    // still the most truthful thing to pass on; otherwise promgate says why.
    if (this.#lastFaultAnswer) return this.#succeed(this.#lastFaultAnswer);
    this.#fail(finalErrorFrom(this.#lastError));
  }

  #succeed(answer: UpstreamAnswer): void {
    if (this.#settled) {
      answer.rest?.destroy();
      return;
    }
    this.#settle();
    this.resolve(answer);
  }

  #fail(err: unknown): void {
    if (this.#settled) return;
    this.#settle();
    this.reject(err);
  }

  #settle(): void {
    this.#settled = true;
    if (this.#hedgeTimer) this.deps.clock.clearTimeout(this.#hedgeTimer);
    if (this.#deadlineTimer) this.deps.clock.clearTimeout(this.#deadlineTimer);
    this.ctx.signal?.removeEventListener('abort', this.#onClientAbort);
    for (const controller of this.#active.values()) controller.abort(new AttemptCanceledError('another attempt answered first'));
    this.#active.clear();
  }

  #report(replica: RoutableReplica, outcome: AttemptOutcome, startedAt: number): void {
    this.deps.observer.attempt(replica.name, outcome, (this.deps.clock.now() - startedAt) / 1000);
  }
}

function outcomeOf(err: unknown): AttemptOutcome {
  if (err instanceof AttemptCanceledError) return 'canceled';
  if (err instanceof UpstreamTimeoutError) return 'timeout';
  if (err instanceof UpstreamBadStatusError) return 'replica_fault';
  if (err instanceof BreakerOpenError) return 'breaker_open';
  return 'connection_error';
}

function finalErrorFrom(err: unknown): Error {
  if (err instanceof UpstreamTimeoutError) return err;
  const why = err instanceof Error ? err.message : String(err);
  return new UpstreamUnavailableError(`all attempts failed; last: ${why}`, { cause: err });
}

function isAnswer(value: unknown): value is UpstreamAnswer {
  return typeof value === 'object' && value !== null && 'statusCode' in value && 'body' in value;
}
