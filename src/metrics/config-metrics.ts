import { Gauge, type Registry } from 'prom-client';

/** Reload outcome, named as Prometheus names its own (prometheus_config_last_reload_*). */
export class ConfigMetrics {
  readonly #successful: Gauge;
  readonly #successAt: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#successful = new Gauge({ name: 'promgate_config_last_reload_successful', help: 'Whether the last configuration reload attempt was successful.', registers });
    this.#successAt = new Gauge({ name: 'promgate_config_last_reload_success_timestamp_seconds', help: 'Timestamp of the last successful configuration reload.', registers });
  }

  loaded(atMs: number): void {
    this.#successful.set(1);
    this.#successAt.set(atMs / 1000);
  }

  failed(): void {
    this.#successful.set(0);
  }
}
