import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import { AttemptCanceledError, UpstreamBadStatusError, UpstreamConnectionError, UpstreamTimeoutError } from '../../../src/errors/index.js';
import { Replica, type BreakerState, replicaOptionsFrom } from '../../../src/upstream/replica.js';
import type { UpstreamAnswer, UpstreamRequest } from '../../../src/upstream/upstream-types.js';
import { deferred, type FakeAnswer, FakeHost, settle } from '../../helpers/fake-dispatcher.js';

const JSON_CT = { 'content-type': 'application/json' };
const OK: FakeAnswer = { statusCode: 200, headers: JSON_CT, body: '{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}' };
const FAULT: FakeAnswer = { statusCode: 500, headers: JSON_CT, body: promErr('internal') };
const HANG = () => new Promise<FakeAnswer>(() => undefined);

function promErr(errorType: string): string {
  return JSON.stringify({ status: 'error', errorType, error: `it went ${errorType}` });
}

const QUERY: UpstreamRequest = { method: 'GET', pathAndQuery: '/api/v1/query?query=up', headers: {}, latencyClass: 'query' };

let replicas: Replica[] = [];

afterEach(async () => {
  await Promise.all(replicas.map((r) => r.close()));
  replicas = [];
});

/** A Replica on a fake host; `yaml` is merged into a config so options come from the real schema. */
function setup(yaml = '', url = 'http://r1:9090', now: () => number = () => 0) {
  const config = parseConfigText(`replicas: [{url: "${url}", name: r1}]\n${yaml}`);
  const host = new FakeHost();
  const replica = new Replica(replicaOptionsFrom(config, config.replicas[0]!), { now, dispatcher: host.dispatcher });
  replicas.push(replica);
  const breakerEvents: BreakerState[] = [];
  replica.on('breaker', (s: BreakerState) => breakerEvents.push(s));
  return { replica, host, breakerEvents };
}

const live = () => new AbortController().signal;

/** One admitted attempt's result (the breaker's accounting is tested on its own below). */
function send(replica: Replica, req: UpstreamRequest, signal: AbortSignal): Promise<UpstreamAnswer> {
  const attempt = replica.start(req, signal);
  if (!attempt) throw new Error('the breaker did not admit the attempt');
  return attempt.result;
}

/** The rejection of `p`, which must reject. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('Replica attempts forward the request as given', () => {
  it('sends method, path and query, headers and body to the query pool', async () => {
    const { replica, host } = setup();
    const body = Buffer.from('query=sum(rate(x[5m]))&start=1&end=100&step=15');
    const headers = { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Bearer t' };
    await send(replica, { method: 'POST', pathAndQuery: '/api/v1/query_range?dedup=true', headers, body, latencyClass: 'range' }, live());
    expect(host.requests).toHaveLength(1);
    const seen = host.requests[0]!;
    expect(seen).toMatchObject({ method: 'POST', path: '/api/v1/query_range?dedup=true', headers, body });
    expect(seen.pool).toBe(host.pools[0]);
  });

  it('keeps the path prefix of a replica served under a sub-path, with or without a trailing slash', async () => {
    for (const url of ['http://r1:9090/prometheus', 'http://r1:9090/prometheus/']) {
      const { replica, host } = setup('', url);
      await send(replica, QUERY, live());
      expect(host.requests.map((r) => r.path)).toEqual(['/prometheus/api/v1/query?query=up']);
    }
  });

  it('resolves with the answer: status, body, replica name, and only end-to-end headers', async () => {
    const { replica, host } = setup();
    host.respond = () => ({ ...OK, headers: { ...JSON_CT, 'content-encoding': 'gzip', connection: 'keep-alive', 'keep-alive': 'timeout=5', 'transfer-encoding': 'chunked' } });
    const answer = await send(replica, QUERY, live());
    expect(answer).toMatchObject({ replica: 'r1', statusCode: 200, headers: { ...JSON_CT, 'content-encoding': 'gzip' } });
    expect(Object.keys(answer.headers).sort()).toEqual(['content-encoding', 'content-type']);
    expect(answer.body.toString()).toBe(OK.body);
    expect(answer.rest).toBeUndefined();
  });

  it('passes client errors (4xx) back as final answers, not as replica faults', async () => {
    const { replica, host } = setup();
    for (const statusCode of [400, 404, 405, 422]) {
      host.respond = () => ({ statusCode, headers: JSON_CT, body: promErr('bad_data') });
      expect((await send(replica, QUERY, live())).statusCode).toBe(statusCode);
    }
  });

  it('hands an answer past max_buffered_response_bytes on as a prefix plus the rest as a stream', async () => {
    const { replica, host } = setup('upstream: {max_buffered_response_bytes: 8}');
    host.respond = () => ({ statusCode: 200, headers: JSON_CT, body: ['0123456789', 'abcdef', 'ghij'] });
    const answer = await send(replica, QUERY, live());
    expect(answer.body.toString()).toBe('0123456789');
    const rest: Buffer[] = [];
    for await (const chunk of answer.rest!) rest.push(chunk as Buffer);
    expect(Buffer.concat(rest).toString()).toBe('abcdefghij');
  });

  it('records the latency of a good answer in its latency class, on the injected clock', async () => {
    let now = 1_000;
    const { replica, host } = setup('', 'http://r1:9090', () => now);
    host.respond = () => {
      now += 250;
      return OK;
    };
    await send(replica, QUERY, live());
    expect(replica.latency('query').size).toBe(1);
    expect(replica.latency('query').quantile(0.5)).toBe(250);
    expect(replica.latency('range').size).toBe(0);
  });
});

describe('Replica attempts reject replica faults', () => {
  it.each([
    [500, JSON_CT, promErr('internal')],
    [502, { 'content-type': 'text/html' }, '<html>bad gateway</html>'],
    [503, { 'content-type': 'text/plain; charset=utf-8' }, 'Service Unavailable'],
    [503, JSON_CT, promErr('unavailable')],
    [504, {}, ''],
    [429, { 'content-type': 'text/plain' }, 'slow down'],
  ])('%i (%j) → PROMGATE_UPSTREAM_BAD_STATUS carrying the whole answer as cause', async (statusCode, headers, body) => {
    const { replica, host } = setup();
    host.respond = () => ({ statusCode, headers, body });
    const err = await rejection(send(replica, QUERY, live()));
    expect(err).toBeInstanceOf(UpstreamBadStatusError);
    const bad = err as UpstreamBadStatusError;
    expect(bad.code).toBe('PROMGATE_UPSTREAM_BAD_STATUS');
    expect(bad.upstreamStatus).toBe(statusCode);
    // If every attempt fails, the last fault answer is what the client gets: it must be whole.
    const cause = bad.cause as UpstreamAnswer;
    expect(cause).toMatchObject({ replica: 'r1', statusCode, headers });
    expect(cause.body.toString()).toBe(body);
    expect(cause.rest).toBeUndefined();
  });

  // Prometheus answers a query that ran out of time or was canceled with 503 and this errorType
  // (web/api/v1/api.go respondError); another replica would fare no better.
  it.each(['timeout', 'canceled'])('a 503 whose JSON says errorType %s is the query’s fault: a final answer', async (errorType) => {
    const { replica, host } = setup();
    host.respond = () => ({ statusCode: 503, headers: { 'content-type': 'application/json; charset=utf-8' }, body: promErr(errorType) });
    const answer = await send(replica, QUERY, live());
    expect(answer.statusCode).toBe(503);
    expect(JSON.parse(answer.body.toString())).toMatchObject({ errorType });
  });

  it('a fault answer cut at max_buffered_response_bytes carries no cause (a truncated body is never passed on)', async () => {
    const { replica, host } = setup('upstream: {max_buffered_response_bytes: 4}');
    host.respond = () => ({ ...FAULT, body: [promErr('internal'), 'more'] });
    const err = await rejection(send(replica, QUERY, live()));
    expect(err).toBeInstanceOf(UpstreamBadStatusError);
    expect((err as UpstreamBadStatusError).cause).toBeUndefined();
    await settle();
    expect(host.pools[0]!.pending).toBe(0);
  });

  it('a transport error becomes PROMGATE_UPSTREAM_CONNECTION with the original as cause', async () => {
    const { replica, host } = setup();
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9090'), { code: 'ECONNREFUSED' });
    host.respond = () => Promise.reject(refused);
    const err = await rejection(send(replica, QUERY, live()));
    expect(err).toBeInstanceOf(UpstreamConnectionError);
    expect((err as UpstreamConnectionError).code).toBe('PROMGATE_UPSTREAM_CONNECTION');
    expect((err as UpstreamConnectionError).message).toContain('ECONNREFUSED');
    expect((err as UpstreamConnectionError).cause).toBe(refused);
  });

  it('does not record latency for faults', async () => {
    const { replica, host } = setup();
    host.respond = () => FAULT;
    await rejection(send(replica, QUERY, live()));
    expect(replica.latency('query').size).toBe(0);
  });
});

describe('Replica attempts and cancellation', () => {
  it('a canceled attempt rejects with PROMGATE_ATTEMPT_CANCELED and gives its connection back', async () => {
    const { replica, host } = setup();
    host.respond = HANG;
    const controller = new AbortController();
    const sent = send(replica, QUERY, controller.signal);
    await settle();
    controller.abort();
    const err = await rejection(sent);
    expect(err).toBeInstanceOf(AttemptCanceledError);
    expect((err as AttemptCanceledError).code).toBe('PROMGATE_ATTEMPT_CANCELED');
    expect(host.pools[0]!.pending).toBe(0);
  });

  it('an attempt aborted with a promgate error as reason (the runner’s deadline) rejects with that reason', async () => {
    const { replica, host } = setup();
    host.respond = HANG;
    const controller = new AbortController();
    const sent = send(replica, QUERY, controller.signal);
    await settle();
    const reason = new UpstreamTimeoutError('attempt on r1 exceeded routing.attempt_timeout');
    controller.abort(reason);
    expect(await rejection(sent)).toBe(reason);
  });

  it('an attempt whose signal is already aborted never reaches the upstream', async () => {
    const { replica, host } = setup();
    const controller = new AbortController();
    controller.abort();
    expect(await rejection(send(replica, QUERY, controller.signal))).toBeInstanceOf(AttemptCanceledError);
    await settle();
    expect(host.pools[0]!.pending).toBe(0);
  });
});

describe('Replica circuit breaker (closed → open)', () => {
  /** Starts and settles one attempt, then records `verdict` for it. */
  async function attemptWith(replica: Replica, verdict: 'success' | 'failure' | 'neutral'): Promise<void> {
    const attempt = replica.start(QUERY, live());
    if (!attempt) throw new Error('not admitted');
    await attempt.result.catch(() => undefined);
    attempt.record(verdict);
    await settle(1);
  }

  it('stays closed below circuit_breaker.volume_threshold, however many of those attempts failed', async () => {
    const { replica, host } = setup('circuit_breaker: {volume_threshold: 5, error_threshold_percentage: 50, reset_timeout: 1h}');
    host.respond = () => FAULT;
    for (let i = 0; i < 4; i++) await attemptWith(replica, 'failure');
    expect(replica.breakerState).toBe('closed');
    expect(replica.isLive()).toBe(true);
  });

  it('opens once the volume threshold is reached with enough failures, and reports it', async () => {
    const { replica, host, breakerEvents } = setup('circuit_breaker: {volume_threshold: 5, error_threshold_percentage: 50, reset_timeout: 1h}');
    host.respond = () => FAULT;
    for (let i = 0; i < 5; i++) await attemptWith(replica, 'failure');
    expect(replica.breakerState).toBe('open');
    expect(replica.isLive()).toBe(false);
    expect(breakerEvents).toEqual(['open']);
  });

  it('while open, admits no attempt, so nothing reaches the upstream', async () => {
    const { replica, host } = setup('circuit_breaker: {volume_threshold: 2, reset_timeout: 1h}');
    host.respond = () => FAULT;
    for (let i = 0; i < 2; i++) await attemptWith(replica, 'failure');
    expect(replica.breakerState).toBe('open');
    const sentBefore = host.requests.length;
    host.respond = () => OK;
    for (let i = 0; i < 3; i++) expect(replica.start(QUERY, live())).toBeUndefined();
    expect(host.requests.length).toBe(sentBefore);
    expect(replica.inFlight).toBe(0);
  });

  it('neutral verdicts (canceled attempts, lost hedge races) never trip it', async () => {
    const { replica, host, breakerEvents } = setup('circuit_breaker: {volume_threshold: 2, reset_timeout: 1h}');
    host.respond = HANG;
    for (let i = 0; i < 10; i++) {
      const controller = new AbortController();
      const attempt = replica.start(QUERY, controller.signal)!;
      controller.abort();
      expect(await rejection(attempt.result)).toBeInstanceOf(AttemptCanceledError);
      attempt.record('neutral');
    }
    await settle();
    expect(replica.breakerState).toBe('closed');
    expect(breakerEvents).toEqual([]);
  });

  it('counts the runner’s verdicts, not the answers: a fault alone does not open it', async () => {
    // Whether a 5xx is the replica's fault or the query's (every replica fails it) is only known
    // to the runner once another replica has answered.
    const { replica, host } = setup('circuit_breaker: {volume_threshold: 2, reset_timeout: 1h}');
    host.respond = () => FAULT;
    for (let i = 0; i < 5; i++) await rejection(send(replica, QUERY, live()));
    await settle();
    expect(replica.breakerState).toBe('closed');
  });

  it('a verdict recorded twice counts once', async () => {
    const { replica, host } = setup('circuit_breaker: {volume_threshold: 2, reset_timeout: 1h}');
    host.respond = () => FAULT;
    const attempt = replica.start(QUERY, live())!;
    await attempt.result.catch(() => undefined);
    for (let i = 0; i < 5; i++) attempt.record('failure');
    await settle();
    expect(replica.breakerState).toBe('closed');
  });

  it('successes keep the error rate at or under the threshold', async () => {
    const { replica, host } = setup('circuit_breaker: {volume_threshold: 4, error_threshold_percentage: 50, reset_timeout: 1h}');
    host.respond = () => OK;
    // success, failure, success, failure...: at each failure exactly 50%, which is not above the threshold.
    for (let i = 0; i < 20; i++) await attemptWith(replica, i % 2 === 0 ? 'success' : 'failure');
    expect(replica.breakerState).toBe('closed');
  });

  it('with circuit_breaker.enabled false, failures never take the replica out of routing', async () => {
    const { replica, host, breakerEvents } = setup('circuit_breaker: {enabled: false, volume_threshold: 1}');
    host.respond = () => FAULT;
    for (let i = 0; i < 10; i++) await attemptWith(replica, 'failure');
    expect(replica.breakerState).toBe('closed');
    expect(replica.isLive()).toBe(true);
    expect(breakerEvents).toEqual([]);
    expect(host.requests).toHaveLength(10);
  });
});

describe('Replica.inFlight', () => {
  it.each(['enabled', 'disabled'])('counts attempts between sending and settling, whatever the outcome (breaker %s)', async (breaker) => {
    const { replica, host } = setup(`circuit_breaker: {enabled: ${breaker === 'enabled'}}`);
    const gates = [deferred<FakeAnswer>(), deferred<FakeAnswer>(), deferred<FakeAnswer>()];
    let i = 0;
    host.respond = () => gates[i++]!.promise;
    const controller = new AbortController();
    const sends = [send(replica, QUERY, live()), send(replica, QUERY, live()), send(replica, QUERY, controller.signal)].map((p) =>
      p.catch((e: unknown) => e),
    );
    await settle();
    expect(replica.inFlight).toBe(3);
    gates[0]!.resolve(OK);
    await sends[0];
    expect(replica.inFlight).toBe(2);
    gates[1]!.resolve(FAULT);
    await sends[1];
    expect(replica.inFlight).toBe(1);
    controller.abort();
    await sends[2];
    expect(replica.inFlight).toBe(0);
  });
});

describe('Replica.probe', () => {
  it('is true only for a 200, and asks the probe pool under the path prefix', async () => {
    const { replica, host } = setup('', 'http://r1:9090/prom/');
    const answers: Record<number, boolean> = {};
    for (const statusCode of [200, 204, 301, 404, 500, 503]) {
      host.respond = () => ({ statusCode, headers: { 'content-type': 'text/plain' }, body: 'Prometheus Server is Ready.\n' });
      answers[statusCode] = await replica.probe('/-/ready', 1_000);
    }
    expect(answers).toEqual({ 200: true, 204: false, 301: false, 404: false, 500: false, 503: false });
    expect(host.requests.every((r) => r.method === 'GET' && r.path === '/prom/-/ready')).toBe(true);
    expect(host.requests.every((r) => r.pool === host.pools[1])).toBe(true);
  });

  it('is false when the connection fails', async () => {
    const { replica, host } = setup();
    host.respond = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(await replica.probe('/-/ready', 1_000)).toBe(false);
  });

  it('is false when no answer comes within the timeout, and gives the connection back', async () => {
    const { replica, host } = setup();
    host.respond = HANG;
    // The probe's deadline runs on real time (AbortSignal.timeout), not the injected clock: keep it short.
    expect(await replica.probe('/-/ready', 20)).toBe(false);
    expect(host.requests[0]!.signal?.aborted).toBe(true);
    await settle();
    expect(host.pools[1]!.pending).toBe(0);
  });

  it('does not count toward inFlight, the breaker, latency or health', async () => {
    const { replica, host } = setup('circuit_breaker: {volume_threshold: 1}');
    host.respond = () => ({ statusCode: 503, headers: { 'content-type': 'text/plain' }, body: 'Service Unavailable' });
    for (let i = 0; i < 5; i++) expect(await replica.probe('/-/ready', 1_000)).toBe(false);
    await settle();
    expect(replica.breakerState).toBe('closed');
    expect(replica.inFlight).toBe(0);
    expect(replica.latency('query').size).toBe(0);
    // Only recordProbe (the health checker's call) changes health.
    expect(replica.healthy).toBe(true);
  });
});

describe('Replica pools and close()', () => {
  it('builds a query pool of connections_per_replica and a one-connection probe pool for its URL', () => {
    const { host } = setup('upstream: {connections_per_replica: 7, connect_timeout: 3s, keep_alive_timeout: 9s}\nrouting: {attempt_timeout: 20s}', 'http://r1:9090/prom');
    expect(host.pools).toHaveLength(2);
    const [query, probe] = host.pools;
    expect(query!.url.href).toBe('http://r1:9090/prom');
    expect(query!.options).toMatchObject({ connections: 7, connect: { timeout: 3_000 }, keepAliveTimeout: 9_000, headersTimeout: 20_000, bodyTimeout: 20_000 });
    // A pool saturated by a frozen replica must not starve its own health checks.
    expect(probe!.options).toMatchObject({ connections: 1 });
  });

  it.each(['enabled', 'disabled'])('close() destroys both pools (breaker %s)', async (breaker) => {
    const { replica, host } = setup(`circuit_breaker: {enabled: ${breaker === 'enabled'}}`);
    await replica.close();
    expect(host.pools.map((p) => p.destroyed)).toEqual([true, true]);
  });
});

describe('Replica health state', () => {
  it('is healthy and live before any probe', () => {
    const { replica } = setup();
    expect(replica.healthy).toBe(true);
    expect(replica.isLive()).toBe(true);
  });

  it('recordProbe applies fall/rise and emits `health` once per transition', () => {
    const { replica } = setup('health_check: {fall: 2, rise: 2}');
    const events: string[] = [];
    replica.on('health', (s: string) => events.push(s));
    for (const ok of [true, false, false, false, true, true, true]) replica.recordProbe(ok);
    expect(events).toEqual(['down', 'up']);
    expect(replica.healthy).toBe(true);
  });

  it('is not live while down, whatever its breaker says', () => {
    const { replica } = setup();
    replica.recordProbe(false);
    expect(replica.healthy).toBe(false);
    expect(replica.breakerState).toBe('closed');
    expect(replica.isLive()).toBe(false);
  });
});
