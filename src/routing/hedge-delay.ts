import type { HedgeConfig } from '../config/index.js';

/** A window of recent latencies, and how many samples it needs before its quantile means something. */
export interface LatencySamples {
  readonly size: number;
  readonly minSamples: number;
  quantile(q: number): number | undefined;
}

/**
 * How long to wait for an attempt before sending a hedge. In `auto` mode: the recent latency
 * quantile of the most specific window that has enough samples (this query's fingerprint, then
 * its size class), clamped to [min_delay, max_delay], so about (1 - quantile) of requests of that
 * kind are hedged. A kind not seen often enough yet is not hedged at all (Infinity): its cost is
 * unknown, and a cold dashboard's heavy queries must not each be evaluated twice. An attempt stuck
 * on a frozen or dead replica is moved anyway, by the rescue (a stalled probe, a failed check).
 */
export function hedgeDelay(cfg: HedgeConfig, windows: readonly LatencySamples[]): number {
  if (cfg.delay !== 'auto') return cfg.delay;
  const known = windows.find((w) => w.size >= w.minSamples);
  const q = known?.quantile(cfg.quantile);
  if (q === undefined) return Infinity;
  return Math.min(cfg.max_delay, Math.max(cfg.min_delay, q));
}
