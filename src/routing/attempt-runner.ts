import type { Clock, TimerHandle } from '../clock/clock.js';
import type { RoutingConfig } from '../config/index.js';
import {
  AttemptCanceledError,
  DeadlineExceededError,
  NoHealthyReplicaError,
  UpstreamBadStatusError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../errors/index.js';
import type { UpstreamAnswer, UpstreamRequest } from '../upstream/upstream-types.js';
import { AttemptBudget } from './attempt-budget.js';
import { hedgeDelay, type LatencySamples } from './hedge-delay.js';
import type { Candidate, PickContext, Policy } from './policy.js';
import { pickByRendezvous } from './rendezvous-hash.js';
import { isAnswer, judgeFault } from './fault-judge.js';
import type { AttemptOutcome, RoutingObserver } from './routing-observer.js';

export interface RunContext extends PickContext {
  /** Aborted when nobody waits for the answer any more. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Requests with one affinity key go to one replica while it is live, whatever the policy
   * (rendezvous hash): the range cache's pieces of one query then come from one replica's data.
   */
  readonly affinityKey?: string | undefined;
  /** Only these replicas may serve the request (by name), when set. */
  readonly only?: ReadonlySet<string> | undefined;
}

export type Verdict = 'success' | 'failure' | 'neutral';

/** One attempt a replica admitted: its result, and where its verdict goes once known. */
export interface StartedAttempt {
  readonly result: Promise<UpstreamAnswer>;
  readonly record: (verdict: Verdict) => void;
}

/** What the runner needs of a replica: upstream/Replica is one. */
export interface RoutableReplica extends Candidate {
  /** A health probe hangs: probably frozen. Avoided while another replica may take the request. */
  stalled?(): boolean;
  /** Certainly out: failing its checks or breaker open (a half-open replica busy with its trial is not). */
  gone?(): boolean;
  /** Undefined when its breaker does not admit the attempt: nothing was sent. */
  start(req: UpstreamRequest, signal: AbortSignal): StartedAttempt | undefined;
  latencyFor(req: UpstreamRequest): readonly LatencySamples[];
}

/** Where the runner finds replicas that may take new requests: upstream/ReplicaSet is one. */
export interface LiveReplicas {
  live(): RoutableReplica[];
}

export interface AttemptRunnerDeps {
  readonly clock: Clock;
  readonly observer: RoutingObserver;
}

/** How often a slow race looks again at its attempts (hedge budget, replicas gone) once its hedge delay passed. */
const RECHECK_MIN_MS = 100;

/**
 * Gets one final answer for a request from the replica set: the first attempt goes where the
 * policy says; a replica fault moves the request to another live replica at once; an attempt that
 * has not answered within its hedge delay gets a second one beside it, and the first final answer
 * wins while the others are canceled. Bounded by max_attempts, the total deadline, and budgets
 * that keep hedges and retries to a share of the requests in flight.
 */
export class AttemptRunner {
  readonly #cfg: RoutingConfig;
  readonly #replicas: LiveReplicas;
  readonly #policy: Policy;
  readonly #deps: AttemptRunnerDeps;
  readonly hedgeBudget: AttemptBudget;
  readonly retryBudget: AttemptBudget;

  constructor(cfg: RoutingConfig, replicas: LiveReplicas, policy: Policy, deps: AttemptRunnerDeps) {
    this.#cfg = cfg;
    this.#replicas = replicas;
    this.#policy = policy;
    this.#deps = deps;
    this.hedgeBudget = new AttemptBudget(cfg.hedge.budget_ratio, cfg.hedge.budget_min_concurrency);
    this.retryBudget = new AttemptBudget(cfg.retry_budget.ratio, cfg.retry_budget.min_concurrency);
  }

  run(req: UpstreamRequest, ctx: RunContext): Promise<UpstreamAnswer> {
    return new Promise<UpstreamAnswer>((resolve, reject) => {
      new AttemptRace(this.#cfg, this.#replicas, this.#policy, this.#deps, this.hedgeBudget, this.retryBudget, req, ctx, resolve, reject).begin();
    });
  }
}

type Kind = 'first' | 'retry' | 'hedge' | 'rescue';

interface Active {
  readonly replica: RoutableReplica;
  readonly controller: AbortController;
  readonly startedAt: number;
  readonly hedgeAfterMs: number;
  /** The budget this attempt holds a slot of, released when it ends. */
  readonly budget: AttemptBudget | undefined;
  /** Another attempt was started in its place: it is not replaced twice. */
  replaced: boolean;
}

/** A fault answer whose verdict waits for a second replica's opinion. */
interface PendingFault {
  readonly replica: RoutableReplica;
  readonly signature: string;
  readonly record: (verdict: Verdict) => void;
}

/** The state of one request's attempts. Lives until it settles. */
class AttemptRace {
  readonly #active = new Map<RoutableReplica, Active>();
  readonly #tried = new Set<RoutableReplica>();
  readonly #pendingFaults: PendingFault[] = [];
  readonly #deadlineAt: number;
  #started = 0;
  #settled = false;
  #watchTimer: TimerHandle | undefined;
  #deadlineTimer: TimerHandle | undefined;
  #lastError: unknown;
  #lastFaultAnswer: UpstreamAnswer | undefined;
  readonly #onClientAbort = () => this.#fail(new AttemptCanceledError('client went away'));

  constructor(
    readonly cfg: RoutingConfig,
    readonly replicas: LiveReplicas,
    readonly policy: Policy,
    readonly deps: AttemptRunnerDeps,
    readonly hedgeBudget: AttemptBudget,
    readonly retryBudget: AttemptBudget,
    readonly req: UpstreamRequest,
    readonly ctx: RunContext,
    readonly resolve: (a: UpstreamAnswer) => void,
    readonly reject: (e: unknown) => void,
  ) {
    this.#deadlineAt = deps.clock.now() + cfg.total_deadline;
  }

  begin(): void {
    if (this.ctx.signal?.aborted) return this.reject(new AttemptCanceledError('client went away'));
    this.hedgeBudget.requestStarted();
    this.retryBudget.requestStarted();
    if (!this.#launch('first')) {
      return this.#fail(new NoHealthyReplicaError('no healthy replica: every replica is failing its checks or has its circuit breaker open'));
    }
    this.ctx.signal?.addEventListener('abort', this.#onClientAbort, { once: true });
    this.#deadlineTimer = this.deps.clock.setTimeout(
      () => this.#fail(new DeadlineExceededError(`no answer within the total deadline of ${this.cfg.total_deadline}ms`)),
      this.cfg.total_deadline,
    );
    this.#watch();
  }

  /**
   * The live replicas this request may use, those not stalled first: a stalled replica (its probe
   * hangs) is used only when no other may take the request, so a slow probe on a busy pair never
   * turns into "no healthy replica".
   */
  #usable(): RoutableReplica[] {
    const only = this.ctx.only;
    const allowed = this.replicas.live().filter((r) => only === undefined || only.has(r.name));
    const moving = allowed.filter((r) => r.stalled?.() !== true);
    return moving.length > 0 ? moving : allowed;
  }

  /** Usable replicas without an attempt of this request right now. */
  #candidates(): RoutableReplica[] {
    return this.#usable().filter((r) => !this.#active.has(r));
  }

  /**
   * Starts an attempt where the policy says, preferring replicas not tried yet; a replica whose
   * breaker does not admit it is skipped without using an attempt. Returns false when none started.
   */
  #launch(kind: Kind): boolean {
    let pool = this.#candidates();
    const untried = pool.filter((r) => !this.#tried.has(r));
    // A hedge only makes sense on another replica; a retry may go back to a replica that failed
    // once when it is the only one left, since a reset or a 5xx is often transient.
    pool = untried.length > 0 || kind === 'hedge' ? untried : pool;
    const budget = kind === 'hedge' ? this.hedgeBudget : kind === 'retry' ? this.retryBudget : undefined;
    while (pool.length > 0) {
      const replica = this.ctx.affinityKey !== undefined ? pickByRendezvous(pool, this.ctx.affinityKey) : this.policy.pick(pool, this.ctx);
      if (!replica) return false;
      if (budget && !budget.tryAcquire()) {
        this.deps.observer.throttled(kind === 'hedge' ? 'hedge' : 'retry');
        return false;
      }
      const controller = new AbortController();
      const attempt = replica.start(this.req, controller.signal);
      if (!attempt) {
        budget?.release();
        this.#tried.add(replica);
        this.deps.observer.attempt(replica.name, 'breaker_open', 0);
        pool = pool.filter((r) => r !== replica);
        continue;
      }
      this.#run(replica, controller, attempt, kind, budget);
      return true;
    }
    return false;
  }

  #run(replica: RoutableReplica, controller: AbortController, attempt: StartedAttempt, kind: Kind, budget: AttemptBudget | undefined): void {
    this.#tried.add(replica);
    this.#started++;
    const startedAt = this.deps.clock.now();
    const hedgeAfterMs = hedgeDelay(this.cfg.hedge, replica.latencyFor(this.req));
    this.#active.set(replica, { replica, controller, startedAt, hedgeAfterMs, budget, replaced: false });
    const timeout = Math.max(1, Math.min(this.cfg.attempt_timeout, this.#deadlineAt - startedAt));
    const timer = this.deps.clock.setTimeout(
      () => controller.abort(new UpstreamTimeoutError(`replica ${replica.name} did not answer within ${timeout}ms`)),
      timeout,
    );
    const done = (): void => {
      this.deps.clock.clearTimeout(timer);
      this.#active.delete(replica);
      budget?.release();
    };
    attempt.result.then(
      (answer) => {
        done();
        this.#report(replica, 'success', startedAt);
        attempt.record('success');
        // Another replica answered: the faults it did not repeat were the replicas' own.
        for (const f of this.#pendingFaults.splice(0)) f.record('failure');
        if (kind === 'hedge' && !this.#settled) this.deps.observer.hedgeWon();
        this.#succeed(answer);
      },
      (err: unknown) => {
        done();
        this.#report(replica, outcomeOf(err), startedAt);
        this.#attemptFailed(replica, err, attempt.record);
      },
    );
  }

  #attemptFailed(replica: RoutableReplica, err: unknown, record: (verdict: Verdict) => void): void {
    const judged = judgeFault(err);
    if (judged.kind === 'neutral') record('neutral');
    else if (judged.kind === 'failure') record('failure');
    if (this.#settled) {
      if (judged.kind === 'defer') record('neutral');
      return;
    }
    if (judged.kind === 'neutral' && err instanceof AttemptCanceledError) return;
    this.#lastError = err;
    if (judged.kind === 'defer') {
      // The same error from another replica: a replica retried on itself proves nothing.
      const twinAt = this.#pendingFaults.findIndex((f) => f.signature === judged.signature && f.replica !== replica);
      if (twinAt >= 0) {
        const [twin] = this.#pendingFaults.splice(twinAt, 1) as [PendingFault];
        // Two replicas gave the same error to the same request: it is the request's fault, and it
        // goes back to the client without counting against either replica.
        twin.record('neutral');
        record('neutral');
        return this.#succeed({ ...judged.answer, queryFault: true });
      }
      this.#pendingFaults.push({ replica, signature: judged.signature, record });
    }
    if (err instanceof UpstreamBadStatusError && isAnswer(err.cause)) this.#lastFaultAnswer = err.cause;
    if (this.#started < this.cfg.max_attempts && this.deps.clock.now() < this.#deadlineAt) {
      // A replica that refused or dropped the connection took no load: going elsewhere is a
      // failover, not a retry, and needs no budget.
      const kind: Kind = judged.loadedReplica ? 'retry' : 'rescue';
      if (this.#launch(kind)) {
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

  /**
   * Looks at the running attempts when the newest one's hedge delay has passed, and then every
   * few tens of milliseconds: an attempt whose replica is no longer live (down, breaker open) is
   * replaced at once; otherwise a hedge goes out if the hedge budget has room.
   */
  #watch(): void {
    if (this.#settled || this.#started >= this.cfg.max_attempts) return;
    const newest = this.#newestActive();
    if (!newest) return;
    const now = this.deps.clock.now();
    const live = new Set(this.replicas.live());
    const usable = new Set(this.#usable());
    const isGone = (a: Active) => a.replica.gone?.() ?? !live.has(a.replica);
    // Off a replica that is certainly out: free, and the stuck attempt is let go. Off one whose
    // probe hangs while others may take the request: a guess, so it spends the hedge budget.
    const gone = [...this.#active.values()].filter((a) => !a.replaced && isGone(a));
    const stalled = [...this.#active.values()].filter((a) => !a.replaced && !isGone(a) && a.replica.stalled?.() === true && !usable.has(a.replica));
    const stranded = gone[0] ?? stalled[0];
    if (stranded) {
      const certain = gone.length > 0;
      // A stall is a guess: with hedging off, the attempt waits for the checks to decide.
      if ((certain || this.cfg.hedge.enabled) && this.#launch(certain ? 'rescue' : 'hedge')) {
        stranded.replaced = true;
        if (certain) stranded.controller.abort(new AttemptCanceledError(`replica ${stranded.replica.name} is out`));
        this.deps.observer.rescue();
        return this.#watch();
      }
      // Every attempt waits on a replica that is out and none other may take the request (it
      // was limited to some replicas): say so now rather than at the attempt timeout.
      if (certain && [...this.#active.values()].every(isGone) && this.ctx.only !== undefined) {
        return this.#fail(new NoHealthyReplicaError('the replicas this request may use stopped answering'));
      }
    }
    const due = newest.startedAt + newest.hedgeAfterMs;
    if (this.cfg.hedge.enabled && now >= due && this.#launch('hedge')) {
      this.deps.observer.hedge();
      return this.#watch();
    }
    // Looked at again at least every RECHECK_MIN_MS, so an attempt on a replica that goes down
    // before its hedge delay is moved within that time too.
    const wait = now >= due ? Math.max(RECHECK_MIN_MS, this.cfg.hedge.min_delay) : Math.min(due - now, RECHECK_MIN_MS);
    this.#watchTimer = this.deps.clock.setTimeout(() => {
      this.#watchTimer = undefined;
      this.#watch();
    }, wait);
  }

  #newestActive(): Active | undefined {
    let newest: Active | undefined;
    for (const a of this.#active.values()) if (!newest || a.startedAt >= newest.startedAt) newest = a;
    return newest;
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
    this.hedgeBudget.requestEnded();
    this.retryBudget.requestEnded();
    if (this.#watchTimer) this.deps.clock.clearTimeout(this.#watchTimer);
    if (this.#deadlineTimer) this.deps.clock.clearTimeout(this.#deadlineTimer);
    this.ctx.signal?.removeEventListener('abort', this.#onClientAbort);
    // A fault nobody else was asked about (one replica, or the race ended first) proves nothing
    // either way: a query that kills its only replica must not open that replica's breaker.
    for (const f of this.#pendingFaults.splice(0)) f.record('neutral');
    for (const a of this.#active.values()) a.controller.abort(new AttemptCanceledError('another attempt answered first'));
  }

  #report(replica: RoutableReplica, outcome: AttemptOutcome, startedAt: number): void {
    this.deps.observer.attempt(replica.name, outcome, (this.deps.clock.now() - startedAt) / 1000);
  }
}

function outcomeOf(err: unknown): AttemptOutcome {
  if (err instanceof AttemptCanceledError) return 'canceled';
  if (err instanceof UpstreamTimeoutError) return 'timeout';
  if (err instanceof UpstreamBadStatusError) return 'replica_fault';
  return 'connection_error';
}

function finalErrorFrom(err: unknown): Error {
  if (err instanceof UpstreamTimeoutError) return err;
  const why = err instanceof Error ? err.message : String(err);
  return new UpstreamUnavailableError(`all attempts failed; last: ${why}`, { cause: err });
}
