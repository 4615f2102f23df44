// Exactness under holes: replicas A and B each lost half an hour of data (an outage), C lost
// nothing. promgate in front of A and B must answer every query of ha-corpus.ts, over windows and
// instants around the holes, exactly as C answers it directly: same status, same body (instant
// vectors up to series order). A load balancer that only alternates, as HAProxy does, cannot: the
// replica it picks may be the one with the hole. See test/helpers/holes.ts for the layout.
//
// The baselines (round robin, and promgate before it routed around holes) are printed, so a run
// shows how far from exact each one is, by kind of query and by which hole a case reaches.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalResponse } from '../helpers/canonical-response.js';
import { startGateway } from '../helpers/gateway.js';
import {
  buildHoleCases,
  compareThrough,
  HOLE_A,
  requestPairs,
  startHoleReplicas,
  type ComparedAnswer,
  type HoleReplicas,
  type Mismatch,
  type RequestPair,
} from '../helpers/holes.js';
import { mapLimit, requestBytes } from '../helpers/request-bytes.js';
import { requirePrometheus } from '../helpers/require-prometheus.js';
import { haCorpus, type HaQuery } from './ha-corpus.js';

const CONCURRENCY = 8;
const cases = buildHoleCases();
const pairs = requestPairs(cases, haCorpus);
/** C's answers, fetched once and shared by every comparison. */
const truth = new Map<string, ComparedAnswer>();

let replicas: HoleReplicas;

beforeAll(async () => {
  requirePrometheus();
  replicas = await startHoleReplicas();
});

afterAll(async () => {
  await replicas?.stopAll();
});

async function throughGateway(urls: readonly string[], yaml: string): Promise<Mismatch<HaQuery>[]> {
  const gw = await startGateway(urls, yaml);
  try {
    return await compareThrough(gw.url, replicas.c.url, cases, haCorpus, { concurrency: CONCURRENCY, truth });
  } finally {
    await gw.close();
  }
}

function percent(matching: number, total: number): string {
  return `${((100 * matching) / total).toFixed(1)}% (${matching}/${total})`;
}

/** Match rate overall, by which hole the case reaches, and by kind of query. */
function report(label: string, mismatches: readonly RequestPair<HaQuery>[]): string {
  const rate = (keyOf: (p: (typeof pairs)[number]) => string): string => {
    const total = new Map<string, number>();
    const bad = new Map<string, number>();
    for (const p of pairs) total.set(keyOf(p), (total.get(keyOf(p)) ?? 0) + 1);
    for (const m of mismatches) bad.set(keyOf(m), (bad.get(keyOf(m)) ?? 0) + 1);
    return [...total].map(([k, n]) => `${k} ${(100 * (1 - (bad.get(k) ?? 0) / n)).toFixed(0)}%`).join(', ');
  };
  return [
    `${label}: ${percent(pairs.length - mismatches.length, pairs.length)} of (query, case) pairs equal C`,
    `  by hole reached: ${rate((p) => `${p.case.kind} ${p.case.span}`)}`,
    `  by query kind:   ${rate((p) => p.query.group)}`,
  ].join('\n');
}

/** One line: where, what, and the first place the bodies part. */
function describeMismatch(m: Mismatch): string {
  const { got, want } = m;
  let i = 0;
  while (i < got.canonical.length && got.canonical[i] === want.canonical[i]) i++;
  const at = Math.max(0, i - 40);
  return `${m.case.name} | ${m.query.query} | status ${got.status} vs ${want.status} | got …${got.canonical.slice(at, i + 50)} | want …${want.canonical.slice(at, i + 50)}`;
}

/** Far enough from both holes that a step here reads neither: steps up to it go to B, later ones to A. */
const SPLIT_MS = HOLE_A.endMs + 75 * 60_000;

/**
 * What routing by time alone can answer for a range case over both holes: the steps up to SPLIT_MS
 * asked of B, the rest of A, the two matrices joined. `@ start()` and `@ end()` mean the client's
 * window, so they are pinned to it before the window is cut.
 */
async function splitAnswer(pair: RequestPair<HaQuery>): Promise<string> {
  const c = pair.case;
  if (c.kind !== 'range') throw new Error('splitAnswer: range cases only');
  const query = pair.query.query.replaceAll('@ start()', `@ ${c.start}`).replaceAll('@ end()', `@ ${c.end}`);
  const lastOfB = c.start + Math.floor((SPLIT_MS / 1000 - c.start) / c.step) * c.step;
  const part = async (url: string, start: number, end: number) => {
    const params = new URLSearchParams({ query, start: String(start), end: String(end), step: String(c.step) });
    const res = await requestBytes(`${url}/api/v1/query_range?${params.toString()}`);
    return { status: res.status, text: res.body.toString('utf8') };
  };
  const [early, late] = await Promise.all([part(replicas.b.url, c.start, lastOfB), part(replicas.a.url, lastOfB + c.step, c.end)]);
  if (early.status !== 200 || late.status !== 200) return `${early.status} ${early.text} | ${late.status} ${late.text}`;
  type Matrix = { status: string; data: { resultType: string; result: { metric: object; values: unknown[] }[] } };
  const [e, l] = [JSON.parse(early.text) as Matrix, JSON.parse(late.text) as Matrix];
  const series = new Map<string, { metric: object; values: unknown[] }>();
  for (const s of [...e.data.result, ...l.data.result]) {
    const id = JSON.stringify(s.metric);
    const seen = series.get(id);
    if (seen === undefined) series.set(id, { metric: s.metric, values: [...s.values] });
    else seen.values.push(...s.values);
  }
  return canonicalResponse(JSON.stringify({ status: e.status, data: { resultType: e.data.resultType, result: [...series.values()] } }));
}

const key = (p: RequestPair): string => p.path;

let singles: Promise<{ onA: Mismatch<HaQuery>[]; onB: Mismatch<HaQuery>[] }> | undefined;

/** The pairs A answers unlike C, and those B does: asked once, for whichever test needs them first. */
function singleReplicaMismatches(): Promise<{ onA: Mismatch<HaQuery>[]; onB: Mismatch<HaQuery>[] }> {
  singles ??= (async () => {
    const opts = { concurrency: CONCURRENCY, truth };
    const onA = await compareThrough(replicas.a.url, replicas.c.url, cases, haCorpus, opts);
    const onB = await compareThrough(replicas.b.url, replicas.c.url, cases, haCorpus, opts);
    console.log(report('A alone', onA));
    console.log(report('B alone', onB));
    return { onA, onB };
  })();
  return singles;
}

describe('the harness', () => {
  it('C through a promgate with only C behind it equals C answered directly', async () => {
    const mismatches = await throughGateway([replicas.c.url], '');
    expect(mismatches.map(describeMismatch)).toEqual([]);
  }, 90_000);

  it('every case has an exact answer routing by time can give: A, B, or (over both holes) B then A', async () => {
    const { onA, onB } = await singleReplicaMismatches();
    const wrongOnB = new Set(onB.map(key));
    const neither = onA.filter((m) => wrongOnB.has(key(m)));
    // Only windows over both holes lack a single replica that answers them whole.
    expect(neither.filter((m) => m.case.span !== 'both').map(describeMismatch)).toEqual([]);
    const unsplittable = (
      await mapLimit(neither, CONCURRENCY, async (m) => ((await splitAnswer(m)) === truth.get(m.path)!.canonical ? undefined : m))
    ).filter((m) => m !== undefined);
    expect(unsplittable.map(describeMismatch)).toEqual([]);
    // Far from both holes only a query pinned by `@` into a hole can differ.
    expect(onA.filter((m) => m.case.span === 'none' && m.query.group !== 'at').map(describeMismatch)).toEqual([]);
    expect(onB.filter((m) => m.case.span === 'none' && m.query.group !== 'at').map(describeMismatch)).toEqual([]);
  }, 90_000);

  it('the holes bite: alternating between A and B (as HAProxy round robin does) is not exact', async () => {
    const { onA, onB } = await singleReplicaMismatches();
    const [wrongOnA, wrongOnB] = [new Set(onA.map(key)), new Set(onB.map(key))];
    // Prometheus answers a request the same way every time, so a client alternating between A and
    // B gets A's answer for every even pair and B's for every odd one: no need to ask again.
    const roundRobin = pairs.flatMap((p, i) => (i % 2 === 0 ? wrongOnA : wrongOnB).has(key(p)) ? [p] : []);
    console.log(report('round robin over A and B, direct', roundRobin));
    expect(roundRobin.length).toBeGreaterThan(0);
  }, 90_000);
});

describe('promgate in front of A and B answers every case exactly like C', () => {
  for (const [label, yaml] of [
    ['cache disabled', 'cache:\n  enabled: false\n'],
    ['cache enabled', 'cache:\n  enabled: true\n'],
  ] as const) {
    it(label, async () => {
      const mismatches = await throughGateway([replicas.a.url, replicas.b.url], yaml);
      console.log(report(`promgate in front of A and B, ${label}`, mismatches));
      // The first miss of each kind of query, so a failure shows every kind that still goes wrong.
      const firstPerGroup = mismatches.filter((m, i) => mismatches.findIndex((n) => n.query.group === m.query.group) === i);
      expect(firstPerGroup.map(describeMismatch), `${mismatches.length} of ${pairs.length} pairs differ from C`).toEqual([]);
    }, 90_000);
  }
});
