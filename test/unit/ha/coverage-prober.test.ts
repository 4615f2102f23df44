import { describe, expect, it } from 'vitest';
import { validateConfig, type HaConfig } from '../../../src/config/index.js';
import { CoverageMap, CoverageProber, type Interval, type Intervals, type ProbeGet } from '../../../src/ha/index.js';
import { parsePrometheusDuration } from '../../../src/query/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const SCRAPE = 15 * S;
/** Prometheus's default --query.lookback-delta. */
const LOOKBACK = 5 * M;

/** Samples every 15 s at from, from + 15 s, … strictly before `to` (and never after the clock's now). */
interface Segment {
  readonly from: number;
  readonly to: number;
}

type Answer = { statusCode: number; body: Buffer };

const json = (doc: unknown, statusCode = 200): Answer => ({ statusCode, body: Buffer.from(JSON.stringify(doc)) });

/**
 * Replicas as the prober sees them: each a sample timeline of the probe series `up` (one series),
 * answering the four requests the prober makes the way Prometheus 3 evaluates them (left-open
 * windows, subquery steps aligned to multiples of their step since the epoch).
 */
class FakeReplicas {
  readonly calls: { replica: string; path: string; query: string | null; step: string | null; start: number; end: number }[] = [];
  readonly unexpected: string[] = [];
  /** Replicas that refuse every request (connection refused). */
  readonly down = new Set<string>();
  /** Replicas that answer 503 to queries (still replaying their WAL) but do answer runtimeinfo. */
  readonly notReady = new Set<string>();
  /** While set, every request waits for it. */
  hold: Promise<void> | undefined;

  constructor(
    readonly clock: FakeClock,
    readonly timelines: Record<string, Segment[]>,
    readonly startTimes: Record<string, string>,
  ) {}

  /** Samples with lo < t <= hi. */
  count(replica: string, lo: number, hi: number): number {
    const last = Math.min(hi, this.clock.now());
    let n = 0;
    for (const seg of this.timelines[replica] ?? []) {
      const first = Math.max(0, Math.floor((lo - seg.from) / SCRAPE) + 1);
      const end = Math.min(Math.floor((last - seg.from) / SCRAPE), Math.ceil((seg.to - seg.from) / SCRAPE) - 1);
      if (end >= first) n += end - first + 1;
    }
    return n;
  }

  readonly get: ProbeGet = async (replica, pathAndQuery) => {
    if (this.hold) await this.hold;
    const url = new URL(`http://${replica}${pathAndQuery}`);
    const query = url.searchParams.get('query');
    const ms = (name: string) => Math.round(Number(url.searchParams.get(name)) * 1000);
    this.calls.push({ replica, path: url.pathname, query, step: url.searchParams.get('step'), start: ms('start'), end: ms('end') });
    if (this.down.has(replica)) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    switch (url.pathname) {
      case '/api/v1/status/config':
        return json({ status: 'success', data: { yaml: 'global: {scrape_interval: 15s}\n' } });
      case '/api/v1/status/runtimeinfo':
        return json({ status: 'success', data: { startTime: this.startTimes[replica], reloadConfigSuccess: true } });
    }
    if (this.notReady.has(replica)) return json({ status: 'error', errorType: 'unavailable', error: 'Service Unavailable' }, 503);
    if (url.pathname === '/api/v1/query') {
      const m = /^min_over_time\(timestamp\(count\(up\)\)\[(\w+):(\w+)\]\)$/.exec(query ?? '');
      const at = Number(url.searchParams.get('time')) * 1000;
      if (!m) return this.#unexpected(pathAndQuery);
      const range = parsePrometheusDuration(m[1]!)!;
      const step = parsePrometheusDuration(m[2]!)!;
      // Subquery steps: multiples of step in (at - range, at]; at each, count(up) over (t - lookback, t].
      let t = Math.floor((at - range) / step) * step;
      if (t <= at - range) t += step;
      for (; t <= at; t += step) {
        if (this.count(replica, t - LOOKBACK, t) > 0) {
          return json({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [at / 1000, String(t / 1000)] }] } });
        }
      }
      return json({ status: 'success', data: { resultType: 'vector', result: [] } });
    }
    if (url.pathname === '/api/v1/query_range') {
      const m = /^sum\((?:count|sum)_over_time\(up\[(\d+)ms\]\)\)$/.exec(query ?? '');
      const step = parsePrometheusDuration(url.searchParams.get('step') ?? '');
      if (!m || step === undefined) return this.#unexpected(pathAndQuery);
      const range = Number(m[1]);
      const start = Math.round(Number(url.searchParams.get('start')) * 1000);
      const end = Math.round(Number(url.searchParams.get('end')) * 1000);
      if ((end - start) / step > 11_000) return json({ status: 'error', errorType: 'bad_data', error: 'exceeded maximum resolution' }, 400);
      const values: [number, string][] = [];
      for (let t = start; t <= end; t += step) {
        const n = this.count(replica, t - range, t);
        if (n > 0) values.push([t / 1000, String(n)]);
      }
      return json({ status: 'success', data: { resultType: 'matrix', result: values.length > 0 ? [{ metric: {}, values }] : [] } });
    }
    return this.#unexpected(pathAndQuery);
  };

  #unexpected(pathAndQuery: string): Answer {
    this.unexpected.push(pathAndQuery);
    return json({ status: 'error', errorType: 'bad_data', error: 'unexpected' }, 400);
  }

  rangeCalls(replica: string): { step: string | null; start: number; end: number }[] {
    return this.calls.filter((c) => c.replica === replica && c.path === '/api/v1/query_range');
  }

  /** Requests only the whole-history probe makes: the oldest-data search (instant queries). */
  historyCalls(replica: string): number {
    return this.calls.filter((c) => c.replica === replica && c.path === '/api/v1/query').length;
  }
}

const CFG: HaConfig = validateConfig({
  replicas: [
    { url: 'http://a:9090', name: 'a' },
    { url: 'http://b:9090', name: 'b' },
  ],
}).ha;

function build(fake: FakeReplicas, opts: { healthy?: (name: string) => boolean } = {}) {
  const map = new CoverageMap(['a', 'b'], CFG.max_holes);
  const newHoles: Map<string, Intervals>[] = [];
  const warnings: string[] = [];
  const prober = new CoverageProber(CFG, map, {
    clock: fake.clock,
    get: fake.get,
    healthy: opts.healthy ?? (() => true),
    onNewHoles: (found) => newHoles.push(found),
    log: { debug: () => {}, warn: (_obj, msg) => warnings.push(msg) },
  });
  return { map, prober, newHoles, warnings };
}

// 30 days ago, 6 h of data that crosses a UTC midnight (the oldest-data subquery steps by whole days).
const NOW = Date.UTC(2026, 0, 31, 12, 0, 0);
const DATA_START = Date.UTC(2025, 11, 31, 21, 0, 0);
const DATA_END = DATA_START + 6 * H;
/** b's outage: [start + 2h, start + 2h30m), not on the coarse pass's grid. */
const HOLE: Interval = { start: DATA_START + 2 * H, end: DATA_START + 2 * H + 30 * M };
/** What b misses, to the 15 s bucket: the buckets (t - 15 s, t] of the samples t it lacks. */
const HOLE_BUCKETS: Interval = { start: HOLE.start - SCRAPE, end: HOLE.end - SCRAPE + 1 };

function oldData(clock: FakeClock): FakeReplicas {
  return new FakeReplicas(
    clock,
    {
      a: [{ from: DATA_START, to: DATA_END }],
      b: [
        { from: DATA_START, to: HOLE.start },
        { from: HOLE.end, to: DATA_END },
      ],
    },
    { a: '2026-01-01T00:00:00Z', b: '2026-01-01T00:00:00Z' },
  );
}

/**
 * b's holes after the whole-history probe: exactly `hole`, the buckets it lacks samples in (the
 * refinement probes reach one fine step past each differing run, so every fine bucket of it is judged).
 */
function expectHoleFound(holes: Intervals, hole: Interval = HOLE_BUCKETS): void {
  expect(holes).toEqual([hole]);
}

describe('CoverageProber: the first probe over the whole history', () => {
  it('finds a 30-minute hole in 6 h of 15 s data 30 days back, coarse pass then refinement, to the bucket', async () => {
    const clock = new FakeClock(NOW);
    const fake = oldData(clock);
    const { map, prober, newHoles } = build(fake);
    await prober.start();
    try {
      expect(fake.unexpected).toEqual([]);
      const steps = fake.rangeCalls('b').map((c) => c.step);
      const coarse = parsePrometheusDuration(steps[0]!)!;
      expect(map.of('a')?.holes).toEqual([]);
      expectHoleFound(map.of('b')!.holes);
      expect(map.gapsOf('b')).toEqual(map.of('b')!.holes);
      expect(map.gapsOf('a')).toEqual([]);
      // Found (in coarse buckets) once; the refinement only narrows what is known.
      expect(newHoles).toHaveLength(1);
      expect([...newHoles[0]!.keys()]).toEqual(['b']);
      const found = newHoles[0]!.get('b')!;
      expect(found.length).toBe(1);
      expect(found[0]!.start).toBeLessThanOrEqual(HOLE_BUCKETS.start);
      expect(found[0]!.end).toBeGreaterThanOrEqual(HOLE_BUCKETS.end);

      // One coarse query over the 30 days, then 15 s queries over the differing buckets only.
      expect(steps[0]).not.toBe('15000ms');
      expect(coarse % SCRAPE).toBe(0);
      expect(steps.slice(1).length).toBeGreaterThan(0);
      expect(steps.slice(1).every((s) => s === '15000ms')).toBe(true);
      expect(fake.rangeCalls('a').map((c) => c.step)).toEqual(steps);
      // Each refinement reaches one fine step past its run of differing coarse buckets on both
      // sides: from the run's left end (a coarse step) to a fine step past its last coarse step.
      const coarseStart = fake.rangeCalls('b')[0]!.start;
      for (const c of fake.rangeCalls('b').slice(1)) {
        expect((c.start - coarseStart) % coarse).toBe(0);
        expect((c.end - SCRAPE - coarseStart) % coarse).toBe(0);
        expect(c.start).toBeLessThan(HOLE_BUCKETS.start);
        expect(c.end).toBeGreaterThanOrEqual(HOLE_BUCKETS.end);
      }

      expect(prober.status).toMatchObject({
        resolutionMs: SCRAPE,
        oldestDataMs: DATA_START - 6 * 60_000, // found to the minute, less the lookback and a minute
        lastError: undefined,
        startTimes: { a: '2026-01-01T00:00:00Z', b: '2026-01-01T00:00:00Z' },
      });
      // The last coarse step is at or before now - (2 scrape intervals + 1 s) and is not judged:
      // probed up to the coarse step before it.
      const probedUntil = map.of('a')!.probedUntil!;
      expect(map.of('b')!.probedUntil).toBe(probedUntil);
      // Verified from the first coarse step (the first judged bucket's left end), alike for both.
      expect(map.of('a')!.probedFrom).toBe(coarseStart);
      expect(map.of('b')!.probedFrom).toBe(coarseStart);
      expect(probedUntil).toBeLessThanOrEqual(NOW - 3 * SCRAPE + 1 - coarse);
      expect(probedUntil).toBeGreaterThan(NOW - 3 * SCRAPE + 1 - 2 * coarse);
    } finally {
      prober.stop();
    }
  });

  // Only steps with both neighbours in a probe are judged, and the refinement probes of #initial
  // have no later probe: each reaches one fine step past its run on both sides, so every fine
  // bucket of the run is judged. Left unjudged, the last one kept the coarse hole found over it: a
  // false hole 30 days back (the fine bucket after b's outage ended, where b has its samples) that
  // no later probe ever reaches.
  it('the refinement leaves no false hole at the end of a refined run: the holes are exactly the missing buckets', async () => {
    const clock = new FakeClock(NOW);
    const fake = oldData(clock);
    const { map, prober } = build(fake);
    await prober.start();
    try {
      expect(map.of('b')?.holes).toEqual([HOLE_BUCKETS]);
    } finally {
      prober.stop();
    }
  });

  it('refines a hole longer than one query takes (11,000 steps) in several queries, to the bucket', async () => {
    const clock = new FakeClock(NOW);
    const from = NOW - 40 * D;
    const hole = { start: from + 2 * D + 7 * M, end: from + 5 * D + 7 * M };
    const fake = new FakeReplicas(
      clock,
      {
        a: [{ from, to: from + 10 * D }],
        b: [
          { from, to: hole.start },
          { from: hole.end, to: from + 10 * D },
        ],
      },
      { a: 's', b: 's' },
    );
    const { map, prober } = build(fake);
    await prober.start();
    try {
      expect(fake.unexpected).toEqual([]);
      expect(fake.calls.filter((c) => c.path === '/api/v1/query_range' && c.step === '15000ms').length).toBeGreaterThanOrEqual(2 * 2);
      expectHoleFound(map.gapsOf('b'), { start: hole.start - SCRAPE, end: hole.end - SCRAPE + 1 });
      expect(map.gapsOf('a')).toEqual([]);
    } finally {
      prober.stop();
    }
  });

  // A run of differing coarse buckets longer than one query (11,000 fine steps) is refined in
  // chunks that do not overlap: the last step of one chunk and the first of the next are judged by
  // neither, so the coarse hole found over them stays. Here b has its samples in just those two
  // fine buckets, inside a 3-day outage: its holes should leave them out, yet the coarse hole still
  // covers [boundary - 2 steps + 1, boundary). A false hole (b distrusted where it has data), kept
  // for good, wherever such a run is cut (~46 h of differing coarse buckets at 15 s).
  // (src/ha/coverage-prober.ts #probe: the next chunk starts at chunkStart + MAX_STEPS * bucket,
  // not two steps before the previous chunk's end.)
  it('a refined run longer than one query leaves no false hole where its chunks meet', async () => {
    const from = NOW - 40 * D;
    const hole = { start: from + 2 * D + 7 * M, end: from + 5 * D + 7 * M };
    const timelines = (island: Segment[]) => ({
      a: [{ from, to: from + 10 * D }],
      b: [{ from, to: hole.start }, ...island, { from: hole.end, to: from + 10 * D }],
    });
    // Where the chunks meet, from the same probe without the island.
    const plain = new FakeReplicas(new FakeClock(NOW), timelines([]), { a: 's', b: 's' });
    const first = build(plain);
    await first.prober.start();
    first.prober.stop();
    const fine = plain.rangeCalls('b').filter((c) => c.step === '15000ms');
    expect(fine).toHaveLength(2);
    const boundary = fine[1]!.start;
    expect(fine[0]!.end).toBe(boundary + SCRAPE); // chunks overlap by two steps
    expect(boundary).toBeGreaterThan(hole.start + SCRAPE);
    expect(boundary).toBeLessThan(hole.end - SCRAPE);

    // b has its samples at boundary - 15 s and boundary: the last step of one chunk, the first of the next.
    const clock = new FakeClock(NOW);
    const fake = new FakeReplicas(clock, timelines([{ from: boundary - SCRAPE, to: boundary + 1 }]), { a: 's', b: 's' });
    const { map, prober } = build(fake);
    await prober.start();
    try {
      expect(fake.rangeCalls('b').filter((c) => c.step === '15000ms').map((c) => c.start)).toEqual(fine.map((c) => c.start));
      expect(map.gapsOf('b')).toEqual([
        { start: hole.start - SCRAPE, end: boundary - 2 * SCRAPE + 1 },
        { start: boundary, end: hole.end - SCRAPE + 1 },
      ]);
    } finally {
      prober.stop();
    }
  });

  it('a configured probe_resolution is used as is; buckets coarser than the scrape interval still find the hole by counting', async () => {
    const clock = new FakeClock(NOW);
    const fake = oldData(clock);
    const cfg: HaConfig = { ...CFG, probe_resolution: 30 * S };
    const map = new CoverageMap(['a', 'b'], cfg.max_holes);
    const prober = new CoverageProber(cfg, map, { clock, get: fake.get, healthy: () => true, onNewHoles: () => {}, log: { debug: () => {}, warn: () => {} } });
    await prober.start();
    try {
      expect(prober.status.resolutionMs).toBe(30 * S);
      expect(fake.calls.some((c) => c.path === '/api/v1/status/config')).toBe(false);
      expect(fake.rangeCalls('b').slice(1).every((c) => c.step === '30000ms')).toBe(true);
      // The 30 s buckets at both edges hold one sample of b's and one of a's: fewer, so holes
      // (a late sample cannot explain a deficit the neighbouring bucket shares).
      expectHoleFound(map.gapsOf('b'), { start: HOLE.start - 30 * S, end: HOLE.end + 1 });
    } finally {
      prober.stop();
    }
  });

  it('a replica down at start is not asked; the whole history is not probed again while it is down, and is once it is back', async () => {
    const clock = new FakeClock(NOW);
    const fake = oldData(clock);
    fake.down.add('b');
    const { map, prober } = build(fake, { healthy: (name) => !fake.down.has(name) });
    await prober.start();
    try {
      // a answered alone: nothing compared, so neither is probed (see the `it.fails` below on what
      // that means for b once it is back).
      expect(fake.rangeCalls('b')).toEqual([]);
      expect(map.of('a')).toMatchObject({ holes: [], probedUntil: undefined, probedFrom: Infinity });
      expect(map.of('b')).toMatchObject({ holes: [], probedUntil: undefined, probedFrom: Infinity });
      expect(map.gapsOf('a')).toEqual([]);
      const history = fake.historyCalls('a');
      const coarse = fake.rangeCalls('a').filter((c) => c.step !== '15000ms').length;
      expect(history).toBeGreaterThan(0);
      expect(coarse).toBe(1);
      // Ten minutes of rounds (every probe_interval) while b is down: recent probes only.
      await clock.advance(10 * M);
      expect(fake.historyCalls('a')).toBe(history);
      expect(fake.rangeCalls('a').filter((c) => c.step !== '15000ms').length).toBe(coarse);
      expect(fake.rangeCalls('a').length).toBeGreaterThan(100);
      expect(fake.rangeCalls('b')).toEqual([]);
      expect(map.of('a')!.probedUntil).toBeUndefined();

      fake.down.delete('b');
      await clock.advance(CFG.probe_interval);
      expect(fake.historyCalls('a')).toBe(2 * history);
      expect(fake.rangeCalls('b').filter((c) => c.step !== '15000ms').length).toBe(1);
      expectHoleFound(map.gapsOf('b'));
      expect(map.gapsOf('a')).toEqual([]);
      expect(map.of('b')!.probedFrom).toBe(map.of('a')!.probedFrom);
      expect(fake.unexpected).toEqual([]);
    } finally {
      prober.stop();
    }
  });

  it('a never-probed replica that passes its health checks but does not answer: the whole history is probed again at most once a minute', async () => {
    const clock = new FakeClock(NOW);
    const fake = oldData(clock);
    fake.down.add('b');
    const { map, prober } = build(fake);
    await prober.start();
    try {
      const history = fake.historyCalls('a');
      await clock.advance(10 * M);
      // Rounds every 5 s, whole history again at +1 min, +2 min, … +10 min.
      expect(fake.historyCalls('a')).toBe(11 * history);
      expect(fake.rangeCalls('a').filter((c) => c.step !== '15000ms').length).toBe(11);
      // a answered alone every time: nothing compared, nobody probed.
      expect(map.of('a')!.probedUntil).toBeUndefined();
      expect(map.of('b')!.probedUntil).toBeUndefined();
    } finally {
      prober.stop();
    }
  });

  // Rule 4 makes no replica probed that answers alone unless it was probed before, and gapsOf
  // distrusts a never-probed replica only "while another was" probed. With two replicas, one of
  // which never answers, nobody is ever probed: `someUnprobed` and `hasGaps` are false and routing
  // trusts both everywhere. Here b passes its health checks but never answers a probe: it is a
  // routing candidate over its 30-minute hole 30 days back. (Before this change a replica that
  // answered alone became probed and b was trusted nowhere.) (src/ha/coverage-map.ts applyProbe,
  // the `probe.counts.size < 2` branch, with gapsOf/someUnprobed keyed on probedUntil.)
  it.fails('of two replicas, the one that never answers is trusted nowhere: nothing has compared it', async () => {
    const clock = new FakeClock(NOW);
    const fake = oldData(clock);
    fake.down.add('b');
    const { map, prober } = build(fake);
    await prober.start();
    try {
      await clock.advance(2 * M);
      expect(map.hasGaps).toBe(true);
      expect(map.gapsOf('b')).toEqual([{ start: -Infinity, end: Infinity }]);
    } finally {
      prober.stop();
    }
  });

  // The same, for the span between a replica's return and the whole-history probe that compares it
  // (the next round, or up to a minute after the last whole-history probe, plus that probe's own
  // time): b was down at start, a answered alone, so b is trusted over its 30-minute hole as soon as
  // its health checks pass (in the app the health checker marks it suspect only from the time it
  // saw it down, after the hole). (src/ha/coverage-map.ts applyProbe, as above.)
  it.fails('a replica down at start is trusted nowhere once back, until the whole-history probe compares it', async () => {
    const clock = new FakeClock(NOW);
    const fake = oldData(clock);
    fake.down.add('b');
    const { map, prober } = build(fake, { healthy: (name) => !fake.down.has(name) });
    await prober.start();
    try {
      await clock.advance(10 * M);
      fake.down.delete('b');
      expect(map.gapsOf('b').some((g) => g.start <= HOLE_BUCKETS.start && HOLE_BUCKETS.end <= g.end)).toBe(true);
    } finally {
      prober.stop();
    }
  });

  // The whole-history probe re-runs while a healthy replica has not answered one, but a replica that
  // answered it ALONE counts as done although nothing was compared (no hole found, no verified
  // time). Here b is down at start (a answers alone), then a is down when b is back (b answers
  // alone a minute later): both are done, the whole history is never probed again, and once both
  // answer the recent probes their verified time starts at the same recent window, so b is trusted
  // over its 30-minute hole 30 days back for good. (src/ha/coverage-prober.ts #initial:
  // `#historyDone.add` for every replica that answered, also when it answered alone.)
  it('a whole-history probe a replica answered alone does not count as its history probed', async () => {
    const clock = new FakeClock(NOW);
    const fake = oldData(clock);
    fake.down.add('b');
    const { map, prober } = build(fake, { healthy: (name) => !fake.down.has(name) });
    await prober.start();
    try {
      fake.down.add('a');
      fake.down.delete('b');
      await clock.advance(2 * M);
      fake.down.delete('a');
      await clock.advance(5 * M);
      // Both compared by now (recent probes).
      expect(map.of('a')!.probedUntil).toBeDefined();
      expect(map.of('b')!.probedUntil).toBeDefined();
      expect(map.gapsOf('b').some((g) => g.start <= HOLE_BUCKETS.start && HOLE_BUCKETS.end <= g.end)).toBe(true);
    } finally {
      prober.stop();
    }
  });

  it('no data on any replica yet: the oldest-data search is repeated at most once a minute, recent probes in between', async () => {
    const clock = new FakeClock(NOW);
    const fake = new FakeReplicas(clock, { a: [], b: [] }, { a: 's', b: 's' });
    const { prober } = build(fake);
    await prober.start();
    try {
      expect(prober.status.oldestDataMs).toBeUndefined();
      const history = fake.historyCalls('a');
      expect(history).toBeGreaterThan(0);
      await clock.advance(5 * M);
      expect(fake.historyCalls('a')).toBe(6 * history);
      expect(fake.rangeCalls('a').length).toBe(5 * M / CFG.probe_interval - 5);
      expect(fake.unexpected).toEqual([]);
    } finally {
      prober.stop();
    }
  });

  // The whole-history probe runs at most once a minute, and #recent in the rounds between. A
  // replica down at start and back (healthy, answering) within a minute of the last whole-history
  // probe answers RECENT probes first, which make it probed (verified from the recent window only);
  // the whole-history probe still re-runs for it, as it has not answered one, and finds its hole.
  it('a replica down at start and back within a minute still gets its whole history probed', async () => {
    const clock = new FakeClock(NOW);
    const fake = oldData(clock);
    fake.down.add('b');
    const { map, prober } = build(fake, { healthy: (name) => !fake.down.has(name) });
    await prober.start();
    try {
      fake.down.delete('b');
      await clock.advance(5 * M);
      expect(fake.historyCalls('b')).toBeGreaterThan(0);
      expectHoleFound(map.gapsOf('b'));
      expect(map.gapsOf('a')).toEqual([]);
    } finally {
      prober.stop();
    }
  });

  it('a replica that does not answer leaves its state as it was', async () => {
    const clock = new FakeClock(NOW);
    const fake = oldData(clock);
    const { map, prober } = build(fake);
    await prober.start();
    try {
      const before = { ...map.of('b')! };
      const aBefore = map.of('a')?.probedUntil;
      fake.down.add('b');
      await clock.advance(M);
      expect(map.of('b')).toEqual(before);
      expect(map.of('a')?.probedUntil).toBeGreaterThan(aBefore!);
      // A 503 is not an answer either.
      fake.down.delete('b');
      fake.notReady.add('b');
      await prober.probeNow();
      expect(map.of('b')).toEqual(before);
    } finally {
      prober.stop();
    }
  });

  // The oldest data is looked for at whole UTC days only (`[10y:1d]`, subquery steps aligned to the
  // epoch), then by hours from the day found. Data that holds no sample within the lookback delta
  // before any UTC midnight, such as a fresh pair of replicas started this morning, gave no
  // oldest time, so no hole was found until the data crossed a midnight (up to 24 h).
  it('finds a hole in replicas whose data started after the last UTC midnight', async () => {
    const now = Date.UTC(2026, 0, 31, 9, 0, 0);
    const clock = new FakeClock(now);
    const started = Date.UTC(2026, 0, 31, 1, 0, 0);
    const hole = { start: Date.UTC(2026, 0, 31, 3, 0, 0), end: Date.UTC(2026, 0, 31, 3, 30, 0) };
    const fake = new FakeReplicas(
      clock,
      {
        a: [{ from: started, to: Infinity }],
        b: [
          { from: started, to: hole.start },
          { from: hole.end, to: Infinity },
        ],
      },
      { a: '2026-01-31T01:00:00Z', b: '2026-01-31T01:00:00Z' },
    );
    const { map, prober } = build(fake);
    await prober.start();
    try {
      await clock.advance(CFG.probe_interval);
      expect(map.gapsOf('b')).toEqual([{ start: hole.start - SCRAPE, end: hole.end - SCRAPE + 1 }]);
    } finally {
      prober.stop();
    }
  });
});

describe('CoverageProber: restarts and the recent past', () => {
  // Live replicas scraping since two days ago, up to the clock's now.
  function liveData(clock: FakeClock): FakeReplicas {
    const from = NOW - 2 * D;
    return new FakeReplicas(clock, { a: [{ from, to: Infinity }], b: [{ from, to: Infinity }] }, { a: 'a-1', b: 'b-1' });
  }
  /** What a recent probe at `now` verifies: up to its last judged step (the one before the last), + 1 ms. */
  const verifiedAt = (now: number) => Math.floor((now - 31 * S) / SCRAPE) * SCRAPE - SCRAPE + 1;

  it('a restart (startTime changes) makes the replica suspect until a recent probe verifies past the restart', async () => {
    const clock = new FakeClock(NOW);
    const fake = liveData(clock);
    const { map, prober, warnings } = build(fake);
    await prober.start();
    try {
      expect(map.gapsOf('b')).toEqual([]);
      const verified = map.of('b')!.probedUntil!;
      // A first look at a start time is no restart.
      await clock.advance(CFG.probe_interval);
      expect(map.gapsOf('b')).toEqual([]);
      expect(map.of('b')!.probedUntil).toBe(verifiedAt(clock.now()));
      expect(warnings).not.toContain('replica restarted; its recent data is suspect until probed');

      // b restarts and is still replaying its WAL: it answers runtimeinfo, not queries.
      fake.startTimes.b = 'b-2';
      fake.notReady.add('b');
      const probedBefore = map.of('b')!.probedUntil!;
      expect(probedBefore).toBeGreaterThanOrEqual(verified);
      await clock.advance(CFG.probe_interval);
      const restartSeen = clock.now();
      expect(warnings).toContain('replica restarted; its recent data is suspect until probed');
      expect(map.gapsOf('b')).toEqual([{ start: probedBefore, end: Infinity }]);
      expect(map.gapsOf('a')).toEqual([]);
      expect(prober.status.startTimes).toEqual({ a: 'a-1', b: 'b-2' });

      // Ready again, with its data. The next probe verifies b only up to ~46 s before now, before
      // the restart was seen: the time since stays suspect.
      fake.notReady.delete('b');
      await clock.advance(CFG.probe_interval);
      const probed = map.of('b')!.probedUntil!;
      expect(probed).toBe(verifiedAt(clock.now()));
      expect(probed).toBeLessThan(restartSeen);
      expect(map.of('b')!.suspect).toEqual([{ start: probed, end: Infinity }]);
      expect(map.gapsOf('b')).toEqual([{ start: probed, end: Infinity }]);

      // Once a probe's last judged bucket starts after the time the restart was seen, the suspicion
      // ends; verified past that time with the restart inside the last judged bucket (whose samples
      // may predate it) is not enough.
      const lastBucketStart = (verifiedEnd: number) => verifiedEnd - 1 - SCRAPE;
      let pastButInside = 0;
      while (lastBucketStart(verifiedAt(clock.now() + CFG.probe_interval)) < restartSeen) {
        await clock.advance(CFG.probe_interval);
        const until = map.of('b')!.probedUntil!;
        expect(map.of('b')!.suspect).toEqual([{ start: until, end: Infinity }]);
        if (until > restartSeen) pastButInside++;
      }
      expect(pastButInside).toBeGreaterThan(0);
      await clock.advance(CFG.probe_interval);
      expect(map.gapsOf('b')).toEqual([]);
      expect(map.of('b')!.suspect).toEqual([]);
      expect(map.of('b')!.probedUntil).toBe(verifiedAt(clock.now()));
      expect(lastBucketStart(map.of('b')!.probedUntil!)).toBeGreaterThanOrEqual(restartSeen);
      expect(fake.unexpected).toEqual([]);
    } finally {
      prober.stop();
    }
  });

  it('a replica down across a restart gets the samples it missed as a hole, and no suspect time once probed past them', async () => {
    const clock = new FakeClock(NOW);
    const fake = liveData(clock);
    const { map, prober } = build(fake);
    await prober.start();
    try {
      await clock.advance(CFG.probe_interval);
      // b dies after NOW + 5 s and is back, restarted, at NOW + 65 s: it lacks the samples at
      // NOW + 15 s … NOW + 60 s.
      fake.timelines.b = [
        { from: NOW - 2 * D, to: NOW + 15 * S },
        { from: NOW + 75 * S, to: Infinity },
      ];
      fake.down.add('b');
      await clock.advance(60 * S);
      // Nothing marks it while it is away here (the health checker does that in the app).
      expect(map.gapsOf('b')).toEqual([]);
      fake.down.delete('b');
      fake.startTimes.b = 'b-2';
      await clock.advance(3 * M);
      expect(map.of('b')!.suspect).toEqual([]);
      // The buckets (t - 15 s, t] of the samples it lacks: [NOW, NOW + 60 s], less the last
      // millisecond when a later probe window (which starts at its first bucket's left end) verified it.
      const gaps = map.gapsOf('b');
      expect(gaps).toHaveLength(1);
      expect(gaps[0]!.start).toBe(NOW);
      expect(gaps[0]!.end).toBeGreaterThanOrEqual(NOW + 60 * S);
      expect(gaps[0]!.end).toBeLessThanOrEqual(NOW + 60 * S + 1);
      expect(map.gapsOf('a')).toEqual([]);
      expect(fake.unexpected).toEqual([]);
    } finally {
      prober.stop();
    }
  });

  /** b misses every sample in [OUT.start, OUT.end): down for 10 minutes from NOW + 2 min. */
  const OUT: Interval = { start: NOW + 2 * M, end: NOW + 12 * M };
  const OUT_BUCKETS: Interval = { start: OUT.start - SCRAPE, end: OUT.end - SCRAPE + 1 };
  function outage(clock: FakeClock): FakeReplicas {
    const fake = liveData(clock);
    fake.timelines.b = [
      { from: NOW - 2 * D, to: OUT.start },
      { from: OUT.end, to: Infinity },
    ];
    return fake;
  }

  it('while a replica is down the recent window starts at the healthy ones\' verified time; once it is back it reaches back over the outage', async () => {
    const clock = new FakeClock(NOW);
    const fake = outage(clock);
    const { map, prober } = build(fake, { healthy: (name) => !fake.down.has(name) });
    await prober.start();
    try {
      await clock.advance(OUT.start - NOW);
      // b goes down: the health checker marks it suspect (as the app does on 'down').
      fake.down.add('b');
      map.markSuspect('b', clock.now());
      const bVerified = map.of('b')!.probedUntil!;
      const mark = fake.rangeCalls('a').length;
      await clock.advance(OUT.end - OUT.start);
      const during = fake.rangeCalls('a').slice(mark);
      expect(during.length).toBeGreaterThan(100);
      // Recent probes from a's verified time: at most four steps each, not everything since b's.
      for (const c of during) expect(c.end - c.start).toBeLessThanOrEqual(3 * SCRAPE);
      expect(map.of('b')!.probedUntil).toBe(bVerified);
      expect(map.gapsOf('b')).toEqual([{ start: bVerified, end: Infinity }]);

      fake.down.delete('b');
      await clock.advance(CFG.probe_interval);
      const back = fake.rangeCalls('b').at(-1)!;
      expect(back.step).toBe('15000ms');
      expect(back.start).toBeLessThanOrEqual(bVerified - SCRAPE);
      // Verified to ~46 s before now, inside the outage: a hole up to there, and b has not been
      // seen scraping again, so the time after stays suspect.
      const verified = map.of('b')!.probedUntil!;
      expect(verified).toBeLessThan(OUT_BUCKETS.end);
      expect(map.of('b')!.holes).toEqual([{ start: OUT_BUCKETS.start, end: verified }]);
      expect(map.of('b')!.suspect).toEqual([{ start: verified, end: Infinity }]);
      expect(map.gapsOf('a')).toEqual([]);
      // Probed past the outage: its hole exactly (less its last millisecond, the left end of a
      // later window's first bucket, which that window verified), and no suspect time.
      await clock.advance(2 * M);
      const hole = { start: OUT_BUCKETS.start, end: OUT_BUCKETS.end - 1 };
      expect(map.of('b')!.holes).toEqual([hole]);
      expect(map.of('b')!.suspect).toEqual([]);
      expect(map.gapsOf('b')).toEqual([hole]);
      expect(map.gapsOf('a')).toEqual([]);
      expect(fake.unexpected).toEqual([]);
    } finally {
      prober.stop();
    }
  });

  // A replica whose health checks have not risen yet (rise = 2 checks by default) already answers
  // queries. Were it asked, a round in that second or two would probe it from the healthy replicas'
  // verified time and move its probedUntil past its outage, which no window would start before
  // again: the outage would stay suspect for good and its hole would never be found. Only healthy
  // replicas are asked, so its first probe starts where it stands.
  it('a replica that answers a probe before its health checks pass again still gets its outage probed', async () => {
    const clock = new FakeClock(NOW);
    const fake = outage(clock);
    const sick = new Set<string>();
    const { map, prober } = build(fake, { healthy: (name) => !fake.down.has(name) && !sick.has(name) });
    await prober.start();
    try {
      await clock.advance(OUT.start - NOW);
      fake.down.add('b');
      sick.add('b');
      map.markSuspect('b', clock.now());
      await clock.advance(OUT.end - OUT.start);
      // Back and answering; the health checks rise a round later.
      fake.down.delete('b');
      const asked = fake.rangeCalls('b').length;
      await clock.advance(CFG.probe_interval);
      expect(fake.rangeCalls('b').length).toBe(asked);
      sick.delete('b');
      await clock.advance(3 * M);
      expect(map.of('b')!.suspect).toEqual([]);
      expect(map.of('b')!.holes).toEqual([{ start: OUT_BUCKETS.start, end: OUT_BUCKETS.end - 1 }]);
    } finally {
      prober.stop();
    }
  });
});

describe('CoverageProber: timers', () => {
  it('probes every probe_interval and stop() leaves no timer', async () => {
    const clock = new FakeClock(NOW);
    const fake = oldData(clock);
    const { prober } = build(fake);
    await prober.start();
    expect(clock.pending).toBe(1);
    const before = fake.calls.length;
    await clock.advance(CFG.probe_interval);
    expect(fake.calls.length).toBeGreaterThan(before);
    expect(clock.pending).toBe(1);
    prober.stop();
    expect(clock.pending).toBe(0);
    const after = fake.calls.length;
    await clock.advance(10 * CFG.probe_interval);
    expect(fake.calls.length).toBe(after);
    expect(clock.pending).toBe(0);
  });

  it('stop() during a round: the round ends and schedules nothing', async () => {
    const clock = new FakeClock(NOW);
    const fake = oldData(clock);
    const { prober } = build(fake);
    await prober.start();
    let release!: () => void;
    fake.hold = new Promise<void>((r) => (release = r));
    await clock.advance(CFG.probe_interval);
    // The timer fired; its round waits on the replicas.
    expect(clock.pending).toBe(0);
    prober.stop();
    fake.hold = undefined;
    release();
    await clock.advance(CFG.probe_interval);
    expect(clock.pending).toBe(0);
  });

  it('rounds never overlap: probeNow during a round joins it', async () => {
    const clock = new FakeClock(NOW);
    const fake = oldData(clock);
    const { prober } = build(fake);
    await prober.start();
    try {
      const before = fake.calls.length;
      await Promise.all([prober.probeNow(), prober.probeNow()]);
      const oneRound = fake.calls.length - before;
      expect(oneRound).toBeGreaterThan(0);
      await prober.probeNow();
      expect(fake.calls.length - before).toBe(2 * oneRound);
    } finally {
      prober.stop();
    }
  });
});
