import type { Clock, TimerHandle } from '../clock/clock.js';
import type { HealthCheckConfig } from '../config/index.js';
import type { Replica } from './replica.js';

/**
 * Probes every replica's readiness endpoint on an interval. Probes of one round run in parallel and
 * a round never overlaps the next, so a frozen replica delays only its own verdict.
 */
export class HealthChecker {
  readonly #cfg: HealthCheckConfig;
  readonly #replicas: readonly Replica[];
  readonly #clock: Clock;
  #timer: TimerHandle | undefined;
  #stopped = false;

  constructor(cfg: HealthCheckConfig, replicas: readonly Replica[], clock: Clock) {
    this.#cfg = cfg;
    this.#replicas = replicas;
    this.#clock = clock;
  }

  /** Runs one round now and then keeps probing every interval. Resolves after the first round. */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.checkOnce();
    this.#schedule();
  }

  async checkOnce(): Promise<void> {
    await Promise.all(
      this.#replicas.map(async (r) => {
        const ok = await r.probe(this.#cfg.path, this.#cfg.timeout);
        if (!this.#stopped) r.recordProbe(ok);
      }),
    );
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => {
      void this.checkOnce().finally(() => this.#schedule());
    }, this.#cfg.interval);
  }
}
