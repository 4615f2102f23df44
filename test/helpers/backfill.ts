// Turns generated OpenMetrics into TSDB blocks with promtool, and hands each replica its own copy.
// A Prometheus data dir cannot be shared between processes (lock file, WAL, compaction), so every
// replica gets a fresh copy of blocks built once and cached under os.tmpdir().

import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generateOpenMetrics, resolveOpenMetricsOptions, type OpenMetricsOptions } from './openmetrics.js';
import { requirePrometheus } from './require-prometheus.js';

const execFileP = promisify(execFile);

const HOUR_MS = 3_600_000;
/** Bump when the cache layout changes; generator changes are caught by hashing its source. */
const CACHE_VERSION = 1;

export interface BackfillOptions {
  /** Passed as promtool's hidden --max-block-duration; default blockDurationFor(6h). */
  readonly maxBlockDurationMs?: number;
}

/**
 * promtool only makes blocks of the TSDB compaction ranges (2h, 6h, 18h, 54h, ... = 2h * 3^k), the
 * largest one not above --max-block-duration, aligned to multiples of that range since the epoch.
 * This gives the smallest range that holds `durationMs`, so aligned data lands in a single block.
 */
export function blockDurationFor(durationMs: number): number {
  let range = 2 * HOUR_MS;
  for (let k = 0; k < 9 && range < durationMs; k++) range *= 3;
  return range;
}

/** Writes `openMetricsText` to a temp file and runs `promtool tsdb create-blocks-from openmetrics` into `dataDir`. */
export async function backfill(openMetricsText: string, dataDir: string, opts: BackfillOptions = {}): Promise<void> {
  const { promtool } = requirePrometheus();
  const work = await mkdtemp(join(tmpdir(), 'promgate-om-'));
  try {
    const file = join(work, 'data.om');
    await writeFile(file, openMetricsText);
    await mkdir(dataDir, { recursive: true });
    const hours = (opts.maxBlockDurationMs ?? blockDurationFor(6 * HOUR_MS)) / HOUR_MS;
    try {
      await execFileP(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', `--max-block-duration=${hours}h`, file, dataDir], {
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string };
      throw new Error(`promtool create-blocks-from failed: ${e.stderr ?? ''}${e.stdout ?? ''}`, { cause: err });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export interface PrepareDataDirOptions extends OpenMetricsOptions {
  /** Where the replica's copy goes (created); default a fresh dir under os.tmpdir(). */
  readonly dest?: string;
  /** Root of the block cache; default `<os.tmpdir()>/promgate-tsdb-cache`. */
  readonly cacheDir?: string;
}

async function generatorSource(): Promise<string> {
  // The cache must not outlive a change to the generator: key it by the generator's own source too.
  const self = fileURLToPath(import.meta.url);
  try {
    return await readFile(join(self, '..', `openmetrics${extname(self)}`), 'utf8');
  } catch {
    return '';
  }
}

let promtoolVersion: Promise<string> | undefined;

async function cacheKey(opts: OpenMetricsOptions): Promise<string> {
  promtoolVersion ??= execFileP(requirePrometheus().promtool, ['--version']).then((r) => r.stdout);
  const resolved = resolveOpenMetricsOptions(opts);
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ CACHE_VERSION, resolved, blockDurationMs: blockDurationFor(resolved.durationMs) }));
  hash.update(await promtoolVersion);
  hash.update(await generatorSource());
  return hash.digest('hex').slice(0, 24);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

// Replicas started together ask for the same blocks; build them once per process.
const building = new Map<string, Promise<string>>();

async function buildCached(opts: OpenMetricsOptions, cacheRoot: string): Promise<string> {
  const key = await cacheKey(opts);
  const final = join(cacheRoot, key);
  if (await exists(final)) return final;
  let pending = building.get(final);
  if (pending === undefined) {
    pending = (async () => {
      await mkdir(cacheRoot, { recursive: true });
      // Build beside the final place and rename: a cache entry either is complete or is not there,
      // even with several test workers building the same key at once.
      const tmp = `${final}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
      try {
        const resolved = resolveOpenMetricsOptions(opts);
        await backfill(generateOpenMetrics(resolved), tmp, { maxBlockDurationMs: blockDurationFor(resolved.durationMs) });
        await rename(tmp, final).catch(async (err: unknown) => {
          if (!(await exists(final))) throw err;
        });
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
      return final;
    })().finally(() => building.delete(final));
    building.set(final, pending);
  }
  return pending;
}

/**
 * A fresh Prometheus data dir holding the blocks for `opts` (built once, then copied from the cache).
 * Returns the data dir's path.
 */
export async function prepareDataDir(opts: PrepareDataDirOptions = {}): Promise<string> {
  const { dest, cacheDir, ...data } = opts;
  const cached = await buildCached(data, cacheDir ?? join(tmpdir(), 'promgate-tsdb-cache'));
  const target = dest ?? (await mkdtemp(join(tmpdir(), 'promgate-data-')));
  await mkdir(target, { recursive: true });
  for (const entry of await readdir(cached)) {
    await cp(join(cached, entry), join(target, entry), { recursive: true });
  }
  return target;
}
