import { afterEach, describe, expect, it } from 'vitest';
import { fetchText, startGateway, type TestGateway } from '../helpers/gateway.js';
import { type FakeUpstream, OK_BODY, startFakeUpstream } from '../helpers/fake-upstream.js';

const Q = '/api/v1/query?query=up';
let gw: TestGateway | undefined;
let ups: FakeUpstream[] = [];

async function setup(n: number, extraYaml = '') {
  ups = await Promise.all(Array.from({ length: n }, (_, i) => startFakeUpstream(`r${i}`)));
  // Fake upstreams are not Prometheus: no coverage probes, whose requests would count as theirs.
  gw = await startGateway(ups.map((u) => u.url), `ha: {enabled: false}\n${extraYaml}`);
  return { gw, ups };
}

afterEach(async () => {
  await gw?.close();
  await Promise.all(ups.map((u) => u.close()));
  gw = undefined;
  ups = [];
});

async function many(url: string, n: number, concurrency = 10) {
  const results: Awaited<ReturnType<typeof fetchText>>[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        results.push(await fetchText(url));
      }
    }),
  );
  return results;
}

describe('failover against faulty upstreams', () => {
  it('a replica that refuses connections costs no failed request', async () => {
    const { gw, ups } = await setup(2);
    await ups[0]!.close();
    const results = await many(gw.url + Q, 60);
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(results.every((r) => r.text === OK_BODY('r1'))).toBe(true);
  });

  it('a hanging replica costs latency (one hedge delay), not failures', async () => {
    const { gw, ups } = await setup(2, 'routing: {hedge: {delay: 100ms}}\nhealth_check: {interval: 10s, timeout: 1s}');
    ups[0]!.setBehavior({ kind: 'hang' });
    const results = await many(gw.url + Q, 20, 4);
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(1000);
    const metrics = await fetchText(gw.url + '/metrics');
    expect(metrics.text).toMatch(/promgate_hedges_total [1-9]/);
  });

  it('a slow replica is hedged; the fast answer wins', async () => {
    const { gw, ups } = await setup(2, 'routing: {hedge: {delay: 50ms}}');
    ups[0]!.setBehavior({ kind: 'ok', delayMs: 2000 });
    const results = await many(gw.url + Q, 10, 2);
    expect(results.every((r) => r.status === 200 && r.text === OK_BODY('r1'))).toBe(true);
    expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(1500);
  });

  it('a 5xx from one replica is retried on the other', async () => {
    const { gw, ups } = await setup(2);
    ups[0]!.setBehavior({ kind: 'status', status: 500, contentType: 'application/json', body: '{"status":"error","errorType":"internal","error":"boom"}' });
    const results = await many(gw.url + Q, 20);
    expect(results.every((r) => r.status === 200 && r.text === OK_BODY('r1'))).toBe(true);
  });

  it('a replica resetting mid-body never yields a truncated answer', async () => {
    const { gw, ups } = await setup(2);
    ups[0]!.setBehavior({ kind: 'reset-mid-body' });
    const results = await many(gw.url + Q, 20);
    expect(results.every((r) => r.status === 200 && r.text === OK_BODY('r1'))).toBe(true);
  });

  it('a replica resetting before headers is retried', async () => {
    const { gw, ups } = await setup(2);
    ups[0]!.setBehavior({ kind: 'reset-before-headers' });
    const results = await many(gw.url + Q, 20);
    expect(results.every((r) => r.status === 200)).toBe(true);
  });

  it('the plain-text 503 of a replica that is not ready is retried, and the checks take it out', async () => {
    const { gw, ups } = await setup(2, 'health_check: {interval: 100ms, timeout: 100ms, fall: 1, rise: 1}');
    ups[0]!.setBehavior({ kind: 'not-ready' });
    ups[0]!.setReady(false);
    const results = await many(gw.url + Q, 20);
    expect(results.every((r) => r.status === 200 && r.text === OK_BODY('r1'))).toBe(true);
    await new Promise((r) => setTimeout(r, 250));
    const before = ups[0]!.apiHits();
    await many(gw.url + Q, 10);
    expect(ups[0]!.apiHits()).toBe(before);
  });

  it('a POST body is forwarded whole to the replica that answers, including on retry', async () => {
    // The cache would answer query_range from sub-window fetches of its own; this is about passthrough.
    const { gw, ups } = await setup(2, 'cache: {enabled: false, coalesce: false}');
    await ups[0]!.close();
    const body = 'query=sum(rate(x[5m]))&start=1&end=100&step=15';
    const r = await fetchText(gw.url + '/api/v1/query_range', { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(r.status).toBe(200);
    expect(ups[1]!.requests.at(-1)).toMatchObject({ method: 'POST', url: '/api/v1/query_range', body });
  });

  it('client errors come back exactly as the replica sent them, from one attempt', async () => {
    const { gw, ups } = await setup(2);
    const body = '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"query\\": 1:1: parse error"}';
    for (const u of ups) u.setBehavior({ kind: 'status', status: 400, contentType: 'application/json', body });
    const r = await fetchText(gw.url + '/api/v1/query?query=(');
    expect(r.status).toBe(400);
    expect(r.text).toBe(body);
    expect(ups[0]!.apiHits() + ups[1]!.apiHits()).toBe(1);
  });

  it('a query timeout (503, errorType timeout) is the query’s fault: passed back, not retried', async () => {
    const { gw, ups } = await setup(2);
    const body = '{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}';
    for (const u of ups) u.setBehavior({ kind: 'status', status: 503, contentType: 'application/json', body });
    const r = await fetchText(gw.url + Q);
    expect([r.status, r.text]).toEqual([503, body]);
    expect(ups[0]!.apiHits() + ups[1]!.apiHits()).toBe(1);
  });

  it('with every replica down it answers a Prometheus-shaped 503 at once', async () => {
    const { gw, ups } = await setup(2, 'health_check: {interval: 100ms, timeout: 100ms, fall: 1, rise: 1}');
    for (const u of ups) u.setReady(false);
    await new Promise((r) => setTimeout(r, 300));
    const r = await fetchText(gw.url + Q);
    expect(r.status).toBe(503);
    expect(JSON.parse(r.text)).toMatchObject({ status: 'error', errorType: 'unavailable' });
    expect(r.ms).toBeLessThan(200);
    expect((await fetchText(gw.url + '/-/ready')).status).toBe(503);
    expect((await fetchText(gw.url + '/-/healthy')).status).toBe(200);
    for (const u of ups) u.setReady(true);
    await new Promise((r) => setTimeout(r, 300));
    expect((await fetchText(gw.url + '/-/ready')).status).toBe(200);
    expect((await fetchText(gw.url + Q)).status).toBe(200);
  });

  it('when every replica fails on the transport, the answer is a JSON 502, not a hang', async () => {
    const { gw, ups } = await setup(2, 'health_check: {interval: 1m, timeout: 1s}');
    for (const u of ups) u.setBehavior({ kind: 'reset-before-headers' });
    const r = await fetchText(gw.url + Q);
    expect(r.status).toBe(502);
    expect(JSON.parse(r.text)).toMatchObject({ status: 'error', errorType: 'unavailable' });
  });

  it('opens a replica’s breaker after repeated faults and reports it', async () => {
    const { gw, ups } = await setup(2, 'health_check: {interval: 1m, timeout: 1s}\ncircuit_breaker: {volume_threshold: 3, reset_timeout: 1m}');
    ups[0]!.setBehavior({ kind: 'status', status: 500, contentType: 'text/plain', body: 'boom' });
    await many(gw.url + Q, 20, 1);
    const hitsAfterOpen = ups[0]!.apiHits();
    await many(gw.url + Q, 20, 1);
    expect(ups[0]!.apiHits()).toBe(hitsAfterOpen);
    const metrics = (await fetchText(gw.url + '/metrics')).text;
    expect(metrics).toContain(`promgate_replica_breaker_state{replica="127.0.0.1:${ups[0]!.port}",state="open"} 1`);
  });

  it('drains in-flight requests on close', async () => {
    const { gw, ups } = await setup(1, 'routing: {hedge: {enabled: false}}');
    ups[0]!.setBehavior({ kind: 'ok', delayMs: 300 });
    const inFlight = fetchText(gw.url + Q);
    await new Promise((r) => setTimeout(r, 50));
    const closing = gw.close();
    // A request on a kept-alive connection during the drain is answered; a new connection is refused.
    const late = await fetchText(gw.url + Q).catch(() => undefined);
    if (late) expect(late.status).toBe(200);
    const r = await inFlight;
    await closing;
    expect(r.status).toBe(200);
    gw!.close = async () => undefined;
  });

  // Regression (review finding): an answer over max_buffered_response_bytes on the shared path
  // was dropped without releasing its upstream connection; with a small pool the replica then
  // timed out every request while its health checks stayed green.
  it('answers larger than the buffer limit never leak upstream connections', async () => {
    const { gw, ups } = await setup(1, 'upstream: {connections_per_replica: 2, max_buffered_response_bytes: 1KiB}\nrouting: {total_deadline: 3s, attempt_timeout: 3s, hedge: {enabled: false}}');
    const big = JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [], pad: 'x'.repeat(8 * 1024 * 1024) } });
    ups[0]!.setBehavior({ kind: 'ok', body: big });
    for (let i = 0; i < 6; i++) {
      const r = await fetchText(`${gw.url}/api/v1/query?query=up&time=${1_700_000_000 + i}`);
      expect([r.status, r.text.length]).toEqual([200, big.length]);
    }
    ups[0]!.setBehavior({ kind: 'ok' });
    const after = await fetchText(gw.url + Q);
    expect(after.status).toBe(200);
    expect(after.ms).toBeLessThan(1000);
  });

  // Regression (review finding): opossum reports a filtered error as a success, and a success
  // closes a half-open breaker, so a trial attempt that lost a hedge race closed the breaker of a
  // replica that was still broken.
  it('a half-open trial that loses a hedge race keeps the breaker open', async () => {
    const { gw, ups } = await setup(
      2,
      'health_check: {interval: 1m, timeout: 1s}\ncircuit_breaker: {volume_threshold: 2, reset_timeout: 300ms}\nrouting: {policy: round_robin, hedge: {delay: 50ms}}',
    );
    const a = `127.0.0.1:${ups[0]!.port}`;
    const stateOf = async (replica: string) => {
      const text = (await fetchText(gw.url + '/metrics')).text;
      return [...text.matchAll(/promgate_replica_breaker_state\{replica="([^"]+)",state="(\w+)"\} 1/g)].find((m) => m[1] === replica)?.[2];
    };
    ups[0]!.setBehavior({ kind: 'status', status: 500, contentType: 'text/plain', body: 'boom' });
    await many(gw.url + Q, 10, 1);
    expect(await stateOf(a)).toBe('open');
    ups[0]!.setBehavior({ kind: 'hang' });
    await new Promise((r) => setTimeout(r, 400)); // past reset_timeout: half-open
    const results = await many(gw.url + Q, 6, 1);
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(await stateOf(a)).not.toBe('closed');
  });
});
