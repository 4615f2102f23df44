import type { HedgeConfig } from '../config/index.js';

/** Enough samples for a quantile to mean something; before that the delay is the configured maximum. */
const MIN_SAMPLES = 16;

/**
 * How long to wait for an attempt before sending a hedge. In `auto` mode: the replica's recent
 * latency quantile for this kind of request, clamped to [min_delay, max_delay], so about
 * (1 - quantile) of healthy requests are hedged and a frozen replica costs at most max_delay.
 */
export function hedgeDelay(cfg: HedgeConfig, observed: { size: number; quantile(q: number): number | undefined }): number {
  if (cfg.delay !== 'auto') return cfg.delay;
  if (observed.size < MIN_SAMPLES) return cfg.max_delay;
  const q = observed.quantile(cfg.quantile) ?? cfg.max_delay;
  return Math.min(cfg.max_delay, Math.max(cfg.min_delay, q));
}
