import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { normalizeRequest, requestKey, type NormalizedRequest } from '../../../src/query/normalize.js';
import { parseForm } from '../../../src/query/params.js';
import type { EndpointName, ProxyRoute } from '../../../src/query/path.js';
import { formatPrometheusDuration } from '../../../src/query/duration.js';

const FORM = 'application/x-www-form-urlencoded';

function norm(target: EndpointName | ProxyRoute, qs: string): NormalizedRequest | undefined {
  const form = parseForm(qs, undefined, undefined, 'GET');
  expect(form.error).toBeUndefined();
  const r = normalizeRequest(target, form.params);
  return r.ok ? r.request : undefined;
}

describe('normalizeRequest', () => {
  it('normalizes an instant query', () => {
    expect(norm('query', 'time=1700000000.5&query=up&stats=all&timeout=10s')).toEqual({
      endpoint: 'query',
      query: 'up',
      time: 1_700_000_000_500,
      params: [['stats', 'all'], ['timeout', '10s']],
    });
    expect(norm('query', 'query=up')).toEqual({ endpoint: 'query', query: 'up', params: [] });
    expect(norm('query', 'query=up&time=')).toEqual({ endpoint: 'query', query: 'up', params: [] });
  });

  it('normalizes a range query, keeping other parameters sorted with their values in order', () => {
    expect(
      norm('query_range', 'step=15&query=rate(x%5B5m%5D)&start=1700000000&end=2023-11-14T23:13:20Z&lookback_delta=1m&b=2&a=3&b=1&time=5'),
    ).toEqual({
      endpoint: 'query_range',
      query: 'rate(x[5m])',
      start: 1_700_000_000_000,
      end: 1_700_003_600_000,
      step: 15_000,
      params: [['a', '3'], ['b', '2'], ['b', '1'], ['lookback_delta', '1m'], ['time', '5']],
    });
  });

  it('uses only the first value where Prometheus uses FormValue', () => {
    const a = norm('query_range', 'query=up&query=down&start=0&start=5&end=60&step=15&step=1');
    const b = norm('query_range', 'query=up&start=0&end=60&step=15');
    expect(a).toEqual(b);
  });

  it('keeps every value of multi-valued parameters such as match[]', () => {
    expect(norm('series', 'match%5B%5D=up&start=1&match%5B%5D=down')).toEqual({
      endpoint: 'series',
      params: [['match[]', 'up'], ['match[]', 'down'], ['start', '1']],
    });
  });

  it('keys label_values by its label name, and refuses a bare label_values', () => {
    const job = norm({ kind: 'proxy', endpoint: 'label_values', label: 'job' }, 'start=1');
    const inst = norm({ kind: 'proxy', endpoint: 'label_values', label: 'instance' }, 'start=1');
    expect(job).toEqual({ endpoint: 'label_values', label: 'job', params: [['start', '1']] });
    expect(requestKey(job!)).not.toBe(requestKey(inst!));
    expect(norm('label_values', 'start=1')).toBeUndefined();
  });

  it('keys status pages apart', () => {
    expect(requestKey(norm('status_config', '')!)).not.toBe(requestKey(norm('status_flags', '')!));
  });

  it('accepts Prometheus min and max time on instant queries', () => {
    expect(norm('query', 'query=up&time=292277025-08-18T07:12:54.999999999Z')).toMatchObject({ time: Infinity });
    const min = norm('query', 'query=up&time=-292273086-05-16T16:47:06Z')!;
    const max = norm('query', 'query=up&time=292277025-08-18T07:12:54.999999999Z')!;
    expect(requestKey(min)).not.toBe(requestKey(max));
  });

  it.each([
    ['query', ''],
    ['query', 'query='],
    ['query', 'time=1'],
    ['query', 'query=up&time=yesterday'],
    ['query', 'query=up&time=NaN'],
    ['query', 'query=up&time=1e20'], // far past what the engine's UnixNano holds
    ['query', 'query=up&time=3000-01-01T00:00:00Z'],
    ['query', 'query=up&timeout=soon'],
    ['query', 'query=up&lookback_delta=-1m'],
    ['query', 'query=up&limit=-1'],
    ['query', 'query=up&limit=1.5'],
    ['query_range', 'query=up&start=0&end=60'],
    ['query_range', 'query=up&start=0&step=15'],
    ['query_range', 'query=up&end=60&step=15'],
    ['query_range', 'start=0&end=60&step=15'],
    ['query_range', 'query=up&start=60&end=0&step=15'],
    ['query_range', 'query=up&start=0&end=60&step=0'],
    ['query_range', 'query=up&start=0&end=60&step=-15'],
    ['query_range', 'query=up&start=0&end=60&step=0s'],
    ['query_range', 'query=up&start=0&end=60&step=0.0005'], // Prometheus accepts; the engine grid is 0 ms
    ['query_range', 'query=up&start=0&end=165015&step=15'], // 11,001 points
    ['query_range', 'query=up&start=0&end=1&step=0.00009'], // 11,111 points
    ['query_range', 'query=up&start=1970-01-01T00:00:00.0009Z&end=1970-01-01T00:00:00.0001Z&step=1'], // same ms, end before start
    ['query_range', 'query=up&start=-292273086-05-16T16:47:06Z&end=292277025-08-18T07:12:54.999999999Z&step=285y'],
  ])('%s %s → not normalized (forwarded untouched)', (endpoint, qs) => {
    expect(norm(endpoint as EndpointName, qs)).toBeUndefined();
  });

  it('accepts exactly 11,000 points', () => {
    expect(norm('query_range', 'query=up&start=0&end=165000&step=15')).toMatchObject({ start: 0, end: 165_000_000 });
    expect(norm('query_range', 'query=up&start=0&end=165014.999&step=15')).toBeDefined(); // Go divides integers
  });
});

describe('requestKey', () => {
  it('is canonical text that depends on the identity', () => {
    const req = norm('query', 'query=up')!;
    expect(JSON.parse(requestKey(req))).toEqual(['promgate/request/v1', null, 'query', null, 'up', null, null, null, null, []]);
    expect(requestKey(req, 'tenant-a')).not.toBe(requestKey(req, 'tenant-b'));
    expect(requestKey(req, '')).not.toBe(requestKey(req));
    expect(requestKey(req, 'a')).toBe(requestKey(norm('query', 'query=up')!, 'a'));
  });

  // One random range query, written many ways.
  // Free-form names only: timeout, lookback_delta and limit are validated (see the table above).
  const otherName = fc.constantFrom<string>('stats', 'x', 'a b', 'dedup', 'match[]', 'partial_response', 'é');
  const otherValue = fc.constantFrom<string>('10s', 'all', '1', '', 'a b', 'c&d', 'e=f', 'ünï', '+');
  const rangeQuery = fc.record({
    query: fc.constantFrom<string>('up', 'sum(rate(http_requests_total{job="api"}[5m])) by (code)', 'a + b', 'x{l="a&b=c"}'),
    startS: fc.integer({ min: 0, max: 4_000_000_000 }),
    startMs: fc.integer({ min: 0, max: 999 }),
    stepS: fc.integer({ min: 1, max: 7200 }),
    points: fc.integer({ min: 0, max: 11_000 }),
    others: fc.uniqueArray(fc.tuple(otherName, fc.array(otherValue, { minLength: 1, maxLength: 3 })), { selector: ([n]) => n, maxLength: 4 }),
  });
  const spelling = fc.record({
    start: fc.nat(3),
    end: fc.nat(3),
    step: fc.nat(4),
    plus: fc.boolean(),
    post: fc.boolean(),
    order: fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
    inBody: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
  });
  type RQ = typeof rangeQuery extends fc.Arbitrary<infer T> ? T : never;
  type SP = typeof spelling extends fc.Arbitrary<infer T> ? T : never;

  function timeText(ms: number, how: number): string {
    if (how === 0) return (ms / 1000).toFixed(3);
    if (how === 1) return new Date(ms).toISOString();
    if (how === 2) return `${(ms / 1000).toFixed(3)}000`;
    // RFC3339 at +02:00
    const local = new Date(ms + 2 * 3600_000).toISOString().replace('Z', '+02:00');
    return local;
  }
  function stepText(s: number, how: number): string {
    return [`${s}`, `${s}s`, `${s}.0`, `${s * 1000}ms`, formatPrometheusDuration(s * 1000)][how]!;
  }
  function enc(text: string, plus: boolean): string {
    const e = encodeURIComponent(text);
    return plus ? e.replaceAll('%20', '+') : e;
  }
  function spell(rq: RQ, sp: SP): { qs: string; body: Buffer | undefined; method: string } {
    const start = rq.startS * 1000 + rq.startMs;
    const end = start + rq.points * rq.stepS * 1000;
    const groups: Array<Array<[string, string]>> = [
      [['query', rq.query]],
      [['start', timeText(start, sp.start)]],
      [['end', timeText(end, sp.end)]],
      [['step', stepText(rq.stepS, sp.step)]],
      ...rq.others.map(([n, vs]) => vs.map((v): [string, string] => [n, v])),
    ];
    // Shuffle whole groups: a name's values keep their order, as r.Form would give them.
    const order = groups.map((g, i) => ({ g, k: sp.order[i] ?? 0, body: sp.post && (sp.inBody[i] ?? false) }));
    order.sort((a, b) => a.k - b.k);
    const line = (items: typeof order) =>
      items.flatMap(({ g }) => g.map(([n, v]) => `${enc(n, sp.plus)}=${enc(v, sp.plus)}`)).join('&');
    const body = order.filter((o) => o.body);
    const url = order.filter((o) => !o.body);
    return { qs: line(url), body: sp.post ? Buffer.from(line(body)) : undefined, method: sp.post ? 'POST' : 'GET' };
  }
  function keyOf(s: { qs: string; body: Buffer | undefined; method: string }): string | undefined {
    const form = parseForm(s.qs, s.body, s.body ? FORM : undefined, s.method);
    if (form.error !== undefined) return undefined;
    const r = normalizeRequest('query_range', form.params);
    return r.ok ? requestKey(r.request) : undefined;
  }

  it('gives one key to the same request however it is spelled (GET/POST, order, time and step forms)', () => {
    fc.assert(
      fc.property(rangeQuery, spelling, spelling, (rq, a, b) => {
        const ka = keyOf(spell(rq, a));
        expect(ka).toBeDefined();
        expect(keyOf(spell(rq, b))).toBe(ka);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives different keys when anything Prometheus reads differs', () => {
    const change = fc.constantFrom('query', 'start', 'end', 'step', 'addParam', 'changeValue', 'reorderValues');
    fc.assert(
      fc.property(rangeQuery, spelling, spelling, change, (rq, a, b, what) => {
        const other: RQ = structuredClone(rq);
        if (what === 'query') other.query = `${rq.query} `;
        if (what === 'start') {
          // end moves with start: still a different range
          other.startMs = (rq.startMs + 1) % 1000;
          if (other.startMs === 0) other.startS += 1;
        }
        if (what === 'end') other.points = rq.points === 0 ? 1 : rq.points - 1;
        if (what === 'step') {
          other.stepS = rq.stepS + 1;
          other.points = Math.floor((rq.points * rq.stepS) / other.stepS);
        }
        if (what === 'addParam') other.others = [...rq.others.filter(([n]) => n !== 'zz'), ['zz', ['1']]];
        if (what === 'changeValue') {
          if (rq.others.length === 0) return;
          other.others = rq.others.map(([n, vs], i) => [n, i === 0 ? [...vs.slice(0, -1), `${vs.at(-1)}!`] : vs]);
        }
        if (what === 'reorderValues') {
          const i = rq.others.findIndex(([, vs]) => JSON.stringify([...vs].reverse()) !== JSON.stringify(vs));
          if (i < 0) return;
          other.others = rq.others.map(([n, vs], j) => [n, j === i ? [...vs].reverse() : vs]);
        }
        const ka = keyOf(spell(rq, a));
        const kb = keyOf(spell(other, b));
        expect(ka).toBeDefined();
        expect(kb).toBeDefined();
        expect(kb).not.toBe(ka);
      }),
      { numRuns: 1000 },
    );
  });
});
