/**
 * The local replicas: real Prometheus, each with the same 7h of demo history ending when the
 * bench starts (6h panels, and grafana-refresh's virtual clock starts an hour back), and scraping
 * itself every second for live data from then on.
 *
 * Why "now" is the wall clock and not inside the old fixed history: promgate's cache treats the
 * last 10 minutes before now as still changing. With history that ended weeks ago every window is
 * settled and a cache would answer everything from memory, which flatters it; with history up to
 * now plus live scrapes, each refresh really does bring new points at the right edge, as on a
 * production dashboard.
 *
 * Each replica keeps a query log (in its work dir, so it survives a kill -9 and restart): the
 * range points it evaluated during a run are read from it (query-log-meter.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareDataDir } from '../../test/helpers/backfill.js';
import { DEFAULT_SCRAPE_INTERVAL_MS } from '../../test/helpers/openmetrics.js';
import { startPrometheus, type PrometheusHandle } from '../../test/helpers/prometheus.js';
import { SIX_HOURS_MS } from './dashboard-windows.js';

/** 6h panels whose `now` may lie up to an hour back (grafana-refresh's virtual clock). */
const HISTORY_MS = SIX_HOURS_MS + 3_600_000;

export interface LocalCluster {
  replicas: PrometheusHandle[];
  urls: string[];
  stop(): Promise<void>;
}

export async function startLocalCluster(n: number, nowMs: number): Promise<LocalCluster> {
  // History must end at or before now: Prometheus refuses appends older than its newest block,
  // which would break the live self-scrape.
  const dataStartMs = Math.floor(nowMs / DEFAULT_SCRAPE_INTERVAL_MS) * DEFAULT_SCRAPE_INTERVAL_MS - HISTORY_MS;
  const work = await mkdtemp(join(tmpdir(), 'promgate-bench-data-'));
  const cacheDir = join(work, 'block-cache');
  const replicas: PrometheusHandle[] = [];
  const stop = async (): Promise<void> => {
    await Promise.allSettled(replicas.map((r) => r.dispose()));
    await rm(work, { recursive: true, force: true });
  };
  try {
    // Build the blocks once (the first call fills the cache), then copy them for each replica.
    const dirs: string[] = [];
    for (let i = 0; i < n; i++) dirs.push(await prepareDataDir({ start: dataStartMs, durationMs: HISTORY_MS, cacheDir, dest: join(work, `data-${i}`) }));
    const started = await Promise.allSettled(
      dirs.map((dataDir, i) => startPrometheus({ name: `bench-replica-${i}`, dataDir, selfScrape: true, queryLogFile: true })),
    );
    for (const s of started) if (s.status === 'fulfilled') replicas.push(s.value);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  } catch (err) {
    await stop();
    throw err;
  }
  return { replicas, urls: replicas.map((r) => r.url), stop };
}
