// Issue #10: the Grafana dashboard in deploy/grafana/promgate.json is kept true against a real
// promgate. Two replicas with holes (A lacks HOLE_A, B lacks HOLE_B, see helpers/holes.ts) sit
// behind promgate, and a third Prometheus scrapes promgate's /metrics every second, as the
// Prometheus behind a Grafana would. Traffic makes every metric promgate exposes move at least once
// (cache hits, coalescing, hedges and their budget, answers split around holes, refusals, a replica
// killed with SIGKILL); then every panel query, its Grafana variables replaced as Grafana does,
// must come back from that Prometheus with data. A panel that draws "No data" on a busy promgate
// is a misspelt metric, a label that does not exist or a query that does not parse.

import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { parseConfigText } from '../../src/config/index.js';
import { startReplicas, type ReplicaCluster } from '../helpers/cluster.js';
import { HOLE_A, HOLE_B } from '../helpers/holes.js';
import { DATA_END_MS, DATA_START_MS } from '../helpers/openmetrics.js';
import { freePort, startPrometheus, type PrometheusHandle } from '../helpers/prometheus.js';
import { requestBytes } from '../helpers/request-bytes.js';
import { requirePrometheus } from '../helpers/require-prometheus.js';

const DASHBOARD_FILE = new URL('../../deploy/grafana/promgate.json', import.meta.url);

interface DatasourceRef {
  readonly type?: string;
  readonly uid?: string;
}

interface Target {
  readonly refId?: string;
  readonly expr?: string;
  readonly datasource?: DatasourceRef;
}

interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly datasource?: DatasourceRef;
  readonly targets?: readonly Target[];
  /** A collapsed row holds its panels here. */
  readonly panels?: readonly Panel[];
}

interface Variable {
  readonly name: string;
  readonly type: string;
  readonly query?: unknown;
  readonly datasource?: DatasourceRef;
}

interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly schemaVersion: number;
  readonly panels: readonly Panel[];
  readonly templating: { readonly list: readonly Variable[] };
}

const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;

/** Every panel, those inside collapsed rows included. */
function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

const graphPanels = allPanels(dashboard).filter((p) => p.type !== 'row');
const queries = graphPanels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, refId: t.refId ?? '?', expr: t.expr ?? '' })));

/** A datasource reference that follows the dashboard's `datasource` variable. */
const followsVariable = (ds: DatasourceRef | undefined): boolean => ds?.type === 'prometheus' && (ds.uid === '${datasource}' || ds.uid === '$datasource');

/** promgate_* names a query reads, histogram suffixes folded into the family name. */
function familiesIn(expr: string): string[] {
  return [...expr.matchAll(/\bpromgate_\w+/g)].map((m) => m[0].replace(/_bucket$/, ''));
}

/**
 * How Grafana's Prometheus data source writes a multi-value variable's value into a query:
 * regex-escaped, then escaped again for the PromQL string (public/app/plugins/datasource/prometheus,
 * `prometheusRegularEscape` / `prometheusSpecialRegexEscape`).
 */
function grafanaRegexValue(value: string): string {
  return value.replace(/\\/g, '\\\\\\\\').replace(/[$^*{}[\]'+?.()|]/g, '\\\\$&');
}

/** The query Grafana would send: `$var`, `${var}` and `${var:format}` replaced; an unknown variable throws. */
function interpolate(expr: string, values: Readonly<Record<string, string>>): string {
  return expr.replace(/\$(?:\{(\w+)(?::\w+)?\}|(\w+))/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    const value = values[name];
    if (value === undefined) throw new Error(`unknown variable ${whole} in ${expr}`);
    return value;
  });
}

describe('the dashboard JSON', () => {
  it('is a Grafana dashboard model of the current schema with a Prometheus datasource variable', () => {
    expect(dashboard.uid).toBe('promgate');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.schemaVersion).toBeLessThanOrEqual(41);
    const ds = dashboard.templating.list.find((v) => v.name === 'datasource');
    expect(ds).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const v of dashboard.templating.list.filter((v) => v.type === 'query')) {
      expect(followsVariable(v.datasource), `variable ${v.name}`).toBe(true);
    }
  });

  it('every panel and every target reads through the datasource variable', () => {
    for (const p of graphPanels) {
      expect(followsVariable(p.datasource), `panel "${p.title}"`).toBe(true);
      expect(p.targets?.length ?? 0, `panel "${p.title}" has no targets`).toBeGreaterThan(0);
      for (const t of p.targets ?? []) {
        expect(followsVariable(t.datasource), `panel "${p.title}" target ${t.refId}`).toBe(true);
        expect(t.expr ?? '', `panel "${p.title}" target ${t.refId}`).not.toBe('');
      }
      const refIds = (p.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size, `panel "${p.title}" repeats a refId`).toBe(refIds.length);
    }
  });

  it('panel ids are unique and the grid holds every panel without overlaps', () => {
    const panels = allPanels(dashboard);
    const ids = panels.map((p) => p.id);
    expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) {
      const g = p.gridPos;
      expect(g, `panel "${p.title}" gridPos`).toBeDefined();
      expect(g.w > 0 && g.h > 0 && g.x >= 0 && g.y >= 0 && g.x + g.w <= 24, `panel "${p.title}" gridPos ${JSON.stringify(g)}`).toBe(true);
    }
    for (const [i, a] of panels.entries()) {
      for (const b of panels.slice(i + 1)) {
        const overlap = a.gridPos.x < b.gridPos.x + b.gridPos.w && b.gridPos.x < a.gridPos.x + a.gridPos.w && a.gridPos.y < b.gridPos.y + b.gridPos.h && b.gridPos.y < a.gridPos.y + a.gridPos.h;
        expect(overlap, `panels "${a.title}" and "${b.title}" overlap`).toBe(false);
      }
    }
  });

  it('every query filters on the job and instance variables and uses $__rate_interval for rates', () => {
    for (const q of queries) {
      for (const selector of q.expr.match(/\bpromgate_\w+\{[^}]*\}/g) ?? []) {
        expect(selector, `${q.panel} ${q.refId}`).toContain('job=~"$job"');
        expect(selector, `${q.panel} ${q.refId}`).toContain('instance=~"$instance"');
      }
      expect(q.expr, `${q.panel} ${q.refId}: a bare metric name`).not.toMatch(/\bpromgate_\w+(?![\w{])/);
      for (const range of q.expr.match(/\b(?:rate|increase)\([^[]*\[([^\]]*)\]/g) ?? []) {
        expect(range, `${q.panel} ${q.refId}`).toMatch(/\[\$__(rate_interval|range)\]$/);
      }
    }
  });
});

// --- against a live promgate -------------------------------------------------------------------

/** promgate's replicas: A lacks HOLE_A, B lacks HOLE_B; A is killed halfway through. */
const CONFIG = (urls: readonly string[], port: number) => `
listen_address: 127.0.0.1:${port}
log_level: silent
replicas:
  - {url: "${urls[0]}", name: a}
  - {url: "${urls[1]}", name: b}
health_check: {interval: 500ms, timeout: 400ms}
ha: {probe_interval: 1s}
# Every attempt slower than 1 ms wants a hedge; one hedge in flight at a time, so a burst also
# shows hedges the budget refused.
routing:
  hedge: {delay: 1ms, min_delay: 1ms, budget_ratio: 0, budget_min_concurrency: 1}
`;

const T_END = DATA_END_MS / 1000;
const T_START = DATA_START_MS / 1000;
/** Half an hour after B's hole: both replicas hold everything a query reads from here on. */
const CLEAR_FROM = HOLE_B.endMs / 1000 + 1800;

/** prom-client's Node process metrics (processMetrics: true): some never move in a test, and they are promgate's only by prefix. */
const isProcessFamily = (name: string): boolean => /^promgate_(process|nodejs)_/.test(name);

const rangePath = (query: string, start: number, end: number, step: number) =>
  `/api/v1/query_range?${new URLSearchParams({ query, start: String(start), end: String(end), step: String(step) })}`;
const instantPath = (query: string, time: number) => `/api/v1/query?${new URLSearchParams({ query, time: String(time) })}`;

let cluster: ReplicaCluster;
let scraper: PrometheusHandle;
let app: App;
let gatewayUrl: string;
let exposedFamilies: Set<string>;

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await requestBytes(url);
  return { status: res.status, text: res.body.toString('utf8') };
}

/** promgate's own exposition: each promgate_* family it declares, and whether it has a sample yet. */
async function ownFamilies(): Promise<Map<string, boolean>> {
  const { text } = await get(`${gatewayUrl}/metrics`);
  const families = new Map<string, boolean>();
  for (const line of text.split('\n')) {
    const help = /^# HELP (promgate_\w+) /.exec(line);
    if (help) families.set(help[1]!, false);
  }
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const name = /^\w+/.exec(line)![0];
    for (const family of [name, name.replace(/_(bucket|sum|count)$/, '')]) if (families.has(family)) families.set(family, true);
  }
  return families;
}

/** One round of what a dashboard and its users do; `round` makes the uncacheable parts new each time. */
async function traffic(round: number): Promise<void> {
  const at = (path: string) => get(gatewayUrl + path);
  // The same settled range three times: a miss, then hits.
  const settled = rangePath('avg_over_time(demo_memory_usage_bytes[5m])', CLEAR_FROM, T_END, 60);
  for (let i = 0; i < 3; i++) await at(settled);
  // A window over both holes: early steps from B, late ones from A, stitched.
  await at(rangePath(`up + ${round}`, T_START, T_END, 60));
  // One step reading both holes: no replica holds it whole.
  await at(instantPath(`count_over_time(up[6h]) + ${round}`, T_END));
  // Labels over both holes: every replica has a gap there, so all are asked and merged.
  await at(`/api/v1/labels?start=${T_START}&end=${T_END - round}`);
  // Distinct requests at once: each wants a hedge after 1 ms, the budget allows one. (They also
  // open the client connections the next burst needs to arrive at once.)
  await Promise.all(Array.from({ length: 8 }, (_, i) => at(instantPath(`count_over_time(demo_memory_usage_bytes[${30 + i + 10 * round}m])`, T_END))));
  // Identical requests at once, heavy enough to overlap: one evaluation, the others wait for it.
  const same = rangePath(`count_over_time({job="demo"}[${20 + round}m])`, CLEAR_FROM, T_END, 15);
  await Promise.all(Array.from({ length: 6 }, () => at(same)));
  // promgate never forwards admin calls.
  await at('/api/v1/admin/tsdb/snapshot');
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

interface Sample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: readonly [number, string];
}

interface QueryAnswer {
  readonly status: string;
  readonly data?: { readonly resultType: string; readonly result: readonly Sample[] };
  readonly error?: string;
}

/** Waits until the scraper has scraped promgate after this moment. */
async function nextScrape(port: number): Promise<void> {
  const since = Date.now() / 1000;
  await waitFor('a scrape of promgate', async () => {
    // timestamp() gives a sample's own time only of a plain selector; of `up == 1`, the query's.
    const answer = await queryScraper(`timestamp(up{instance="127.0.0.1:${port}"})`);
    return Number(answer.data?.result[0]?.value[1] ?? 0) > since;
  });
}

async function queryScraper(expr: string): Promise<QueryAnswer> {
  const { text } = await get(`${scraper.url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
  return JSON.parse(text) as QueryAnswer;
}

/** `label_values(selector, label)` as Grafana's Prometheus data source runs it: the series API. */
async function labelValues(query: string): Promise<string[]> {
  const m = /^label_values\((.+),\s*(\w+)\)$/.exec(query);
  if (!m) throw new Error(`not a label_values() query: ${query}`);
  const { text } = await get(`${scraper.url}/api/v1/label/${m[2]}/values?${new URLSearchParams({ 'match[]': m[1]! })}`);
  return (JSON.parse(text) as { data: string[] }).data;
}

const above0 = (filter: Readonly<Record<string, string>> = {}) => (result: readonly Sample[]): boolean =>
  result.some((s) => Object.entries(filter).every(([k, v]) => s.metric[k] === v) && Number(s.value[1]) > 0);

/**
 * Beyond "has data": what this traffic must visibly move, by `panel (refId)`. Rates over 1m hold
 * the traffic, which came after the scraper's first scrape of promgate.
 */
const MOVES: Readonly<Record<string, (result: readonly Sample[]) => boolean>> = {
  'Requests/s (A)': above0(),
  'Requests by endpoint and code (A)': above0({ endpoint: 'query_range', code: '200' }),
  'Refused requests by reason (A)': above0({ reason: 'forbidden' }),
  'Replica health (A)': (r) => r.some((s) => s.metric.replica === 'a' && s.value[1] === '0') && r.some((s) => s.metric.replica === 'b' && s.value[1] === '1'),
  // Connection errors to the killed replica need only have data: routing leaves the replica after
  // the first one, so their rate may well be 0.
  'Attempts by replica and outcome (A)': above0({ replica: 'b', outcome: 'success' }),
  'Failovers (B)': above0(),
  'Hedges (A)': above0(),
  'Hedges (C)': above0({ kind: 'hedge' }),
  'Cache hit ratio (A)': above0(),
  'Cache requests by result (A)': above0({ result: 'hit' }),
  'Coalesced requests (A)': above0({ endpoint: 'query_range' }),
  'Cache size (A)': above0(),
  'Upstream seconds saved (A)': above0(),
  'Known holes by replica (A)': above0({ replica: 'b' }),
  'Answers routed around holes (A)': above0({ endpoint: 'query_range' }),
  'Answers routed around holes (C)': above0({ endpoint: 'query' }),
  'Answers routed around holes (D)': above0({ endpoint: 'labels' }),
};

describe('against a live promgate scraped by Prometheus', () => {
  beforeAll(async () => {
    requirePrometheus();
    // The scraper starts with the replicas, aimed at promgate's port before promgate listens:
    // Prometheus applies its targets a few seconds after ready, and those seconds overlap the rest.
    const port = await freePort();
    [cluster, scraper] = await Promise.all([
      startReplicas(2, { holes: [[HOLE_A], [HOLE_B]] }),
      startPrometheus({ name: 'dashboard-scraper', scrapeTargets: [`127.0.0.1:${port}`] }),
    ]);
    app = buildApp(parseConfigText(CONFIG(cluster.urls, port)), { processMetrics: true });
    await app.start();
    gatewayUrl = await app.listen();
    // Counters that move before the first scrape show in no rate().
    await waitFor('the first scrape of promgate', async () => ((await queryScraper(`up{instance="127.0.0.1:${port}"} == 1`)).data?.result.length ?? 0) > 0, 20_000);

    // A counter's first sample holds what came before it, so rate() shows only what comes after:
    // rounds run on both sides of a scrape until every promgate_* family has a sample, and once more.
    let complete: number | undefined;
    for (let round = 0; round < 10 && (complete === undefined || round <= complete + 1); round++) {
      await traffic(round);
      await nextScrape(port);
      if (complete === undefined && [...(await ownFamilies())].every(([name, sampled]) => sampled || isProcessFamily(name))) complete = round;
    }
    // A replica dies: attempts fail over to B, health checks mark A down.
    cluster.replicas[0]!.kill('SIGKILL');
    for (let i = 0; i < 6; i++) await get(gatewayUrl + instantPath('up', Date.now() / 1000));
    await waitFor('promgate to mark A down', async () => (await get(`${gatewayUrl}/metrics`)).text.includes('promgate_replica_up{replica="a"} 0'));
    const families = await ownFamilies();
    exposedFamilies = new Set(families.keys());
    const silent = [...families].filter(([name, sampled]) => !sampled && !isProcessFamily(name)).map(([name]) => name);
    if (silent.length > 0) throw new Error(`traffic never moved: ${silent.join(', ')}`);
    // The scraper has seen A down, and rates have two samples after it.
    await waitFor('the scraper to see A down', async () => ((await queryScraper('promgate_replica_up{replica="a"} == 0')).data?.result.length ?? 0) > 0, 20_000);
    await sleep(2_000);
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await Promise.allSettled([cluster?.stopAll(), scraper?.dispose()]);
  });

  it('every promgate_* metric a panel reads is one promgate exposes', () => {
    const unknown = queries.flatMap((q) => familiesIn(q.expr).filter((f) => !exposedFamilies.has(f)).map((f) => `${q.panel} ${q.refId}: ${f}`));
    expect(unknown).toEqual([]);
  });

  it('every metric promgate itself defines is on some panel (process metrics aside)', () => {
    const shown = new Set(queries.flatMap((q) => familiesIn(q.expr)));
    const missing = [...exposedFamilies].filter((f) => !isProcessFamily(f) && !shown.has(f));
    expect(missing).toEqual([]);
  });

  let variables: Record<string, string>;

  it('the job and instance variables find promgate', async () => {
    const job = dashboard.templating.list.find((v) => v.name === 'job');
    const instance = dashboard.templating.list.find((v) => v.name === 'instance');
    expect(typeof job?.query).toBe('string');
    expect(typeof instance?.query).toBe('string');
    const jobs = await labelValues(job!.query as string);
    expect(jobs).toEqual(['shared']);
    const instances = await labelValues(interpolate(instance!.query as string, { job: grafanaRegexValue('shared') }));
    expect(instances).toEqual([new URL(gatewayUrl).host]);
    variables = {
      job: grafanaRegexValue(jobs[0]!),
      instance: grafanaRegexValue(instances[0]!),
      // What Grafana sends for a 1 h dashboard over 1 s scrapes is smaller; 1m holds enough samples.
      __rate_interval: '1m',
      __interval: '15s',
      __range: '5m',
    };
  });

  it('every panel the traffic must move exists', () => {
    const names = new Set(queries.map((q) => `${q.panel} (${q.refId})`));
    expect(Object.keys(MOVES).filter((k) => !names.has(k))).toEqual([]);
  });

  it.each(queries.map((q) => [`${q.panel} (${q.refId})`, q] as const))('panel "%s" has data', async (name, q) => {
    expect(variables, 'the variables test must run first').toBeDefined();
    const expr = interpolate(q.expr, variables);
    let answer: QueryAnswer = { status: 'not asked' };
    // A series born in the last scrape needs one more before rate() sees it.
    await waitFor(`data for ${expr}`, async () => {
      answer = await queryScraper(expr);
      return answer.status !== 'success' || (answer.data?.result.length ?? 0) > 0;
    }, 5_000).catch(() => undefined);
    expect(answer.error, expr).toBeUndefined();
    expect(answer.status, expr).toBe('success');
    expect(answer.data?.result.length ?? 0, `no data: ${expr}`).toBeGreaterThan(0);
    const moved = MOVES[name];
    if (moved) expect(moved(answer.data!.result), `${expr} did not move: ${JSON.stringify(answer.data!.result)}`).toBe(true);
  });
});
