/**
 * The request path's hardening (issue #7) as the runner sees it: breaker admissions that cost no
 * attempt, verdicts that tell a replica's fault from a query's, hedge and retry budgets, hedges timed
 * from the newest attempt, and attempts rescued from replicas that went away.
 */
import { describe, expect, it } from 'vitest';
import { AttemptCanceledError, UpstreamBadStatusError, UpstreamConnectionError } from '../../../src/errors/index.js';
import type { Candidate, Policy } from '../../../src/routing/policy.js';
import { RoundRobin } from '../../../src/routing/round-robin.js';
import type { HeaderValue, UpstreamAnswer, UpstreamRequest } from '../../../src/upstream/upstream-types.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { FakeReplica, runnerOver, type Script } from '../../helpers/fake-replica.js';



/** Always the first replica listed that is still a candidate: puts every first attempt on one replica. */
class FirstListed implements Policy {
  readonly name = 'first_listed';
  pick<T extends Candidate>(live: readonly T[]): T | undefined {
    return live[0];
  }
}

const JSON_TYPE = { 'content-type': 'application/json' };
const TEXT_TYPE = { 'content-type': 'text/plain; charset=utf-8' };
/** What Prometheus's API answers for an internal error (web/api/v1/api.go respondError). */
const QUERY_ERROR = '{"status":"error","errorType":"internal","error":"x"}';

const answerOf = (replica: string, statusCode = 200, body = `{"status":"success","from":"${replica}"}`, headers: Record<string, HeaderValue> = JSON_TYPE): UpstreamAnswer => ({
  replica,
  statusCode,
  headers,
  body: Buffer.from(body),
});

/** Rejects like upstream/Replica does for a replica-fault status: the whole answer as `cause`. */
const badStatus = (answer: UpstreamAnswer) => new UpstreamBadStatusError(`replica ${answer.replica} answered ${answer.statusCode}`, answer.statusCode, { cause: answer });

const ok = (name: string): Script => () => Promise.resolve(answerOf(name));
const jsonFault = (name: string, status = 500, body = QUERY_ERROR): Script => () => Promise.reject(badStatus(answerOf(name, status, body, JSON_TYPE)));
const textFault = (name: string, status: number, body = 'Service Unavailable'): Script => () => Promise.reject(badStatus(answerOf(name, status, body, TEXT_TYPE)));
const refuse = (name: string): Script => () => Promise.reject(new UpstreamConnectionError(`${name}: ECONNREFUSED`));
const hang: Script = (signal) => new Promise((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason)));

/** Settles with `outcome` after `ms` of fake time, or rejects with the abort reason first. */
const after = (clock: FakeClock, ms: number, outcome: () => UpstreamAnswer | Error): Script => (signal) =>
  new Promise((resolve, reject) => {
    const t = clock.setTimeout(() => {
      const o = outcome();
      if (o instanceof Error) reject(o);
      else resolve(o);
    }, ms);
    signal.addEventListener('abort', () => {
      clock.clearTimeout(t);
      reject(signal.reason);
    });
  });

const REQ: UpstreamRequest = { method: 'GET', pathAndQuery: '/api/v1/query?query=up', headers: {}, latencyClass: 'query' };

/** A runner over `replicas`; pass `clock` when the replicas' scripts were built on it. */
const setup = runnerOver;

const count = (events: readonly string[], name: string) => events.filter((e) => e === name).length;

describe('AttemptRunner: breaker admission', () => {
  it('a half-open replica that does not admit costs no attempt: max_attempts 1 still succeeds on the other replica', async () => {
    const a = new FakeReplica('a', ok('a'));
    const b = new FakeReplica('b', ok('b'));
    a.admits = false;
    const { runner, events } = setup([a, b], 'routing: {max_attempts: 1}');
    const res = await runner.run(REQ, {});
    expect(res.replica).toBe('b');
    expect([a.sent, b.sent]).toEqual([0, 1]);
    // The round-robin policy offered `a` first; it was skipped, not counted.
    expect(events[0]).toBe('a:breaker_open');
    expect(a.verdicts).toEqual([]);
    expect(b.verdicts).toEqual(['success']);
  });
});

describe('AttemptRunner: verdicts', () => {
  it('query of death: the same JSON 500 from two replicas goes back at once, after 2 attempts of 3, and counts against neither', async () => {
    const a = new FakeReplica('a', jsonFault('a'));
    const b = new FakeReplica('b', jsonFault('b'));
    const { runner } = setup([a, b], 'routing: {max_attempts: 3}');
    const res = await runner.run(REQ, {});
    expect(res.statusCode).toBe(500);
    expect(res.body.toString()).toBe(QUERY_ERROR);
    expect(res.headers['content-type']).toBe('application/json');
    expect(a.sent + b.sent).toBe(2);
    expect(new Set(a.verdicts)).toEqual(new Set(['neutral']));
    expect(new Set(b.verdicts)).toEqual(new Set(['neutral']));
  });

  // BUG (reported, not fixed; harmless today): when the second replica repeats the first one's JSON
  // error, #attemptFailed records the twin 'neutral' but leaves it in #pendingFaults, so #settle
  // records it 'neutral' again. BreakerGate's Admission ignores a second record(), which hides it;
  // breaker-gate.ts's contract is "record must be called once".
  it('records each attempt’s verdict exactly once, including the first half of a query of death', async () => {
    const a = new FakeReplica('a', jsonFault('a'));
    const b = new FakeReplica('b', jsonFault('b'));
    await setup([a, b], 'routing: {max_attempts: 3}').runner.run(REQ, {});
    expect(a.verdicts).toEqual(['neutral']);
    expect(b.verdicts).toEqual(['neutral']);
  });

  it('query of death with three replicas: the third is never asked', async () => {
    const a = new FakeReplica('a', jsonFault('a'));
    const b = new FakeReplica('b', jsonFault('b'));
    const c = new FakeReplica('c', ok('c'));
    const { runner } = setup([a, b, c], 'routing: {max_attempts: 3}', new FirstListed());
    expect((await runner.run(REQ, {})).statusCode).toBe(500);
    expect(c.sent).toBe(0);
  });

  it('a JSON 500 the other replica does not repeat is the first replica’s fault: failure for it, success for the other', async () => {
    const a = new FakeReplica('a', jsonFault('a'));
    const b = new FakeReplica('b', ok('b'));
    const { runner } = setup([a, b]);
    const res = await runner.run(REQ, {});
    expect(res.replica).toBe('b');
    expect(res.statusCode).toBe(200);
    expect(a.verdicts).toEqual(['failure']);
    expect(b.verdicts).toEqual(['success']);
  });

  it('a JSON 500 is judged only once another replica has answered', async () => {
    const clock = new FakeClock();
    const a = new FakeReplica('a', jsonFault('a'));
    const b = new FakeReplica('b', after(clock, 50, () => answerOf('b')));
    const { runner } = setup([a, b], '', new FirstListed(), clock);
    const result = runner.run(REQ, {});
    await clock.advance(49);
    expect(b.sent).toBe(1);
    expect(a.verdicts).toEqual([]);
    await clock.advance(1);
    expect((await result).replica).toBe('b');
    expect(a.verdicts).toEqual(['failure']);
  });

  it('JSON 500s of different errorTypes are not the same query fault', async () => {
    const a = new FakeReplica('a', jsonFault('a'));
    const b = new FakeReplica('b', jsonFault('b', 500, '{"status":"error","errorType":"execution","error":"y"}'));
    const c = new FakeReplica('c', ok('c'));
    const { runner } = setup([a, b, c], '', new FirstListed());
    expect((await runner.run(REQ, {})).replica).toBe('c');
    expect(a.verdicts).toEqual(['failure']);
    expect(b.verdicts).toEqual(['failure']);
  });

  it('a non-JSON 5xx is the replica’s fault at once, before any other replica answers', async () => {
    const clock = new FakeClock();
    const a = new FakeReplica('a', textFault('a', 502, '<html>Bad Gateway</html>'));
    const b = new FakeReplica('b', after(clock, 50, () => answerOf('b')));
    const { runner } = setup([a, b], '', new RoundRobin(), clock);
    const result = runner.run(REQ, {});
    await clock.advance(0);
    expect(a.verdicts).toEqual(['failure']);
    expect(b.verdicts).toEqual([]);
    await clock.advance(50);
    expect((await result).replica).toBe('b');
    expect(b.verdicts).toEqual(['success']);
  });

  it('a 429 is the replica’s fault at once', async () => {
    const clock = new FakeClock();
    const a = new FakeReplica('a', textFault('a', 429, 'Too Many Requests'));
    const b = new FakeReplica('b', after(clock, 50, () => answerOf('b')));
    const { runner } = setup([a, b], '', new RoundRobin(), clock);
    const result = runner.run(REQ, {});
    await clock.advance(0);
    expect(a.verdicts).toEqual(['failure']);
    await clock.advance(50);
    expect((await result).replica).toBe('b');
  });

  // BUG (reported, not fixed): fault-judge.ts documents "failure: … a 429: the replica's fault" and
  // "defer: Prometheus's own JSON error with a 5xx", but judgeFault defers any UpstreamBadStatusError
  // whose body has an errorType, whatever its status. A rate-limiting proxy in front of both
  // replicas (Thanos/Mimir-style JSON 429) is then taken for a query of death: answered 429 at once
  // after two attempts, and neither replica's breaker ever sees it.
  it('a 429 with a Prometheus-style JSON body is still the replica’s fault, not deferred as a query fault', async () => {
    const throttled = '{"status":"error","errorType":"too_many_requests","error":"slow down"}';
    const a = new FakeReplica('a', jsonFault('a', 429, throttled));
    const b = new FakeReplica('b', jsonFault('b', 429, throttled));
    const { runner } = setup([a, b], '', new FirstListed());
    expect((await runner.run(REQ, {})).statusCode).toBe(429);
    // Today: both 'neutral', as for a query of death.
    expect(a.verdicts).toContain('failure');
    expect(b.verdicts).toContain('failure');
  });

  it('a timeout is the replica’s fault at once', async () => {
    const clock = new FakeClock();
    const a = new FakeReplica('a', hang);
    const b = new FakeReplica('b', after(clock, 50, () => answerOf('b')));
    const { runner } = setup([a, b], 'routing: {attempt_timeout: 1s, hedge: {enabled: false}}', new RoundRobin(), clock);
    const result = runner.run(REQ, {});
    await clock.advance(1000);
    expect(a.verdicts).toEqual(['failure']);
    expect(b.sent).toBe(1);
    expect(b.verdicts).toEqual([]);
    await clock.advance(50);
    expect((await result).replica).toBe('b');
  });

  it('a refused connection is the replica’s fault', async () => {
    const a = new FakeReplica('a', refuse('a'));
    const b = new FakeReplica('b', ok('b'));
    await setup([a, b]).runner.run(REQ, {});
    expect(a.verdicts).toEqual(['failure']);
  });

  it('a lost hedge race is neutral for the loser, not a success', async () => {
    const a = new FakeReplica('a', hang);
    const b = new FakeReplica('b', ok('b'));
    const { runner, clock, events } = setup([a, b], 'routing: {hedge: {delay: 10ms, budget_min_concurrency: 1}}');
    const result = runner.run(REQ, {});
    await clock.advance(10);
    expect((await result).replica).toBe('b');
    expect(a.verdicts).toEqual(['neutral']);
    expect(b.verdicts).toEqual(['success']);
    expect(events).toEqual(expect.arrayContaining(['hedge', 'hedge-won', 'a:canceled']));
  });

  it('a JSON 500 that comes back after the race was won elsewhere is neutral', async () => {
    const clock = new FakeClock();
    // `a` does not stop when aborted: its JSON 500 arrives at t=100, long after `b`'s hedge won.
    const a = new FakeReplica('a', () => new Promise((_r, reject) => clock.setTimeout(() => reject(badStatus(answerOf('a', 500, QUERY_ERROR))), 100)));
    const b = new FakeReplica('b', after(clock, 10, () => answerOf('b')));
    const { runner } = setup([a, b], 'routing: {hedge: {delay: 5ms, budget_min_concurrency: 1}}', new FirstListed(), clock);
    const result = runner.run(REQ, {});
    await clock.advance(15);
    expect((await result).replica).toBe('b');
    expect(a.verdicts).toEqual([]);
    await clock.advance(100);
    expect(a.verdicts).toEqual(['neutral']);
  });

  it('a single replica’s JSON 500 with no second opinion is neutral, and goes back to the client', async () => {
    const a = new FakeReplica('a', jsonFault('a'));
    const { runner } = setup([a], 'routing: {max_attempts: 1}');
    const res = await runner.run(REQ, {});
    expect(res.statusCode).toBe(500);
    expect(res.body.toString()).toBe(QUERY_ERROR);
    expect(a.verdicts).toEqual(['neutral']);
  });

  it('a single replica’s JSON 500, asked again, is still never a failure', async () => {
    const a = new FakeReplica('a', jsonFault('a'));
    const { runner } = setup([a]);
    const res = await runner.run(REQ, {});
    expect(res.statusCode).toBe(500);
    // A replica repeating its own error proves nothing (it may be broken): no twin, so it is tried
    // up to max_attempts, and with nobody else to compare, never a failure either.
    expect(a.sent).toBe(3);
    expect(new Set(a.verdicts)).toEqual(new Set(['neutral']));
  });

  it('a JSON 500 with the other replica’s breaker not admitting is neutral (no second opinion)', async () => {
    const a = new FakeReplica('a', jsonFault('a'));
    const b = new FakeReplica('b', ok('b'));
    b.admits = false;
    const { runner } = setup([a, b], '', new FirstListed());
    expect((await runner.run(REQ, {})).statusCode).toBe(500);
    expect(a.verdicts.every((v) => v === 'neutral')).toBe(true);
  });
});

describe('AttemptRunner: hedge budget', () => {
  it('hedges in flight stay within budget_ratio of the requests in flight; the rest are throttled', async () => {
    const a = new FakeReplica('a', hang);
    const b = new FakeReplica('b', hang);
    const { runner, clock, events } = setup([a, b], 'routing: {hedge: {delay: 10ms, budget_ratio: 0.1, budget_min_concurrency: 0}}', new FirstListed());
    const clients = Array.from({ length: 20 }, () => new AbortController());
    const results = clients.map((c) => runner.run(REQ, { signal: c.signal }).catch((e: unknown) => e));
    await clock.advance(10);
    expect(a.sent).toBe(20);
    expect(b.sent).toBeLessThanOrEqual(0.1 * 20);
    expect(b.sent).toBe(2);
    expect(count(events, 'hedge')).toBe(2);
    expect(events).toContain('throttled-hedge');
    // Rechecks later do not squeeze more hedges in while the budget is full.
    await clock.advance(1000);
    expect(b.sent).toBe(2);
    expect(runner.hedgeBudget.spent).toBe(2);
    expect(runner.hedgeBudget.active).toBe(20);

    for (const c of clients) c.abort();
    for (const r of await Promise.all(results)) expect(r).toBeInstanceOf(AttemptCanceledError);
    await clock.advance(0);
    // Every slot and every request was given back: nothing negative, nothing leaked.
    expect([runner.hedgeBudget.active, runner.hedgeBudget.spent]).toEqual([0, 0]);
    expect([runner.retryBudget.active, runner.retryBudget.spent]).toEqual([0, 0]);
    expect(clock.pending).toBe(0);
  });

  it('a hedge slot freed by an answered hedge goes to a request still waiting', async () => {
    const a = new FakeReplica('a', hang);
    const clock = new FakeClock();
    let hedges = 0;
    // The first hedge answers after 30 ms; later ones hang.
    const b = new FakeReplica('b', (signal) => (++hedges === 1 ? after(clock, 30, () => answerOf('b'))(signal) : hang(signal)));
    const { runner, events } = setup([a, b], 'routing: {hedge: {delay: 10ms, budget_ratio: 0.1, budget_min_concurrency: 0}}', new FirstListed(), clock);
    const clients = Array.from({ length: 10 }, () => new AbortController());
    const results = clients.map((c) => runner.run(REQ, { signal: c.signal }).catch((e: unknown) => e));
    await clock.advance(10);
    expect(b.sent).toBe(1);
    await clock.advance(30); // the hedge answers: 9 requests left, 10% of 9 < 1, no room
    expect(b.sent).toBe(1);
    expect(events).toContain('throttled-hedge');
    for (const c of clients) c.abort();
    await Promise.all(results);
    await clock.advance(0);
    expect([runner.hedgeBudget.active, runner.hedgeBudget.spent]).toEqual([0, 0]);
  });

  it('without a floor, a lone request is not hedged (10% of one request is no hedge)', async () => {
    const a = new FakeReplica('a', hang);
    const b = new FakeReplica('b', ok('b'));
    const { runner, clock, events } = setup([a, b], 'routing: {attempt_timeout: 1s, hedge: {delay: 10ms, budget_ratio: 0.1, budget_min_concurrency: 0}}');
    const result = runner.run(REQ, {});
    await clock.advance(500);
    expect(b.sent).toBe(0);
    expect(events).toContain('throttled-hedge');
    await clock.advance(500); // the attempt times out; the retry goes to `b`
    expect((await result).replica).toBe('b');
  });

  it('with budget_min_concurrency 1, a lone request is hedged', async () => {
    const a = new FakeReplica('a', hang);
    const b = new FakeReplica('b', ok('b'));
    const { runner, clock, events } = setup([a, b], 'routing: {hedge: {delay: 10ms, budget_ratio: 0.1, budget_min_concurrency: 1}}');
    const result = runner.run(REQ, {});
    await clock.advance(10);
    expect((await result).replica).toBe('b');
    expect(events).toContain('hedge');
    expect(events).not.toContain('throttled-hedge');
  });
});

describe('AttemptRunner: retry budget', () => {
  it('a JSON 500 storm from a live replica: retries in flight stay within retry_budget.ratio of the requests in flight', async () => {
    const a = new FakeReplica('a', jsonFault('a'));
    const b = new FakeReplica('b', hang);
    const { runner, clock, events } = setup([a, b], 'routing: {hedge: {enabled: false}, retry_budget: {ratio: 0.2, min_concurrency: 0}}', new FirstListed());
    const clients = Array.from({ length: 10 }, () => new AbortController());
    const settled: unknown[] = [];
    const results = clients.map((c, i) => runner.run(REQ, { signal: c.signal }).then(
      (v) => (settled[i] = v),
      (e: unknown) => (settled[i] = e),
    ));
    await clock.advance(0);
    expect(a.sent).toBe(10);
    expect(b.sent).toBe(2);
    expect(count(events, 'retry')).toBe(2);
    expect(count(events, 'throttled-retry')).toBe(8);
    // The throttled requests got the replica's own 500 back, at once.
    expect(settled.slice(0, 2)).toEqual([undefined, undefined]);
    for (const r of settled.slice(2)) expect((r as UpstreamAnswer | undefined)?.statusCode).toBe(500);
    // Their faults had no second opinion: neutral. The retried ones wait for `b`.
    expect(a.verdicts.filter((v) => v === 'neutral').length).toBe(8);

    for (const c of clients) c.abort();
    await Promise.all(results);
    await clock.advance(0);
    expect([runner.retryBudget.active, runner.retryBudget.spent]).toEqual([0, 0]);
  });

  it('a JSON 500 is not retried when the retry budget is 0: the replica’s answer goes back', async () => {
    const a = new FakeReplica('a', jsonFault('a'));
    const b = new FakeReplica('b', ok('b'));
    const { runner, events } = setup([a, b], 'routing: {retry_budget: {ratio: 0, min_concurrency: 0}}', new FirstListed());
    const res = await runner.run(REQ, {});
    expect(res.statusCode).toBe(500);
    expect(b.sent).toBe(0);
    expect(events).toContain('throttled-retry');
  });

  it('a refused connection fails over without budget, even when the retry budget is 0', async () => {
    const a = new FakeReplica('a', refuse('a'));
    const b = new FakeReplica('b', ok('b'));
    const { runner, events } = setup([a, b], 'routing: {retry_budget: {ratio: 0, min_concurrency: 0}}', new FirstListed());
    expect((await runner.run(REQ, {})).replica).toBe('b');
    expect(events).toContain('retry');
    expect(events).not.toContain('throttled-retry');
    expect(runner.retryBudget.spent).toBe(0);
  });
});

describe('AttemptRunner: hedge timing', () => {
  it('the hedge is timed from the newest attempt: `delay` after the retry started, not after the first attempt', async () => {
    const clock = new FakeClock();
    // `a` fails at t=60 with a replica fault; the retry on `b` starts then and hangs.
    const a = new FakeReplica('a', after(clock, 60, () => badStatus(answerOf('a', 502, 'Bad Gateway', TEXT_TYPE))));
    const b = new FakeReplica('b', hang);
    const c = new FakeReplica('c', ok('c'));
    const { runner, events } = setup([a, b, c], 'routing: {hedge: {delay: 100ms, budget_min_concurrency: 1}}', new FirstListed(), clock);
    const result = runner.run(REQ, {});
    await clock.advance(60);
    expect(b.sent).toBe(1);
    await clock.advance(40); // t=100: the first attempt's hedge time, which must not count any more
    expect(c.sent).toBe(0);
    await clock.advance(59); // t=159
    expect(c.sent).toBe(0);
    await clock.advance(1); // t=160 = retry start + delay
    expect(c.sent).toBe(1);
    expect((await result).replica).toBe('c');
    expect(events).toContain('hedge');
  });

  it('a first attempt failing fast at t=0: the hedge comes `delay` after the retry', async () => {
    const a = new FakeReplica('a', textFault('a', 503));
    const b = new FakeReplica('b', hang);
    const c = new FakeReplica('c', ok('c'));
    const { runner, clock } = setup([a, b, c], 'routing: {hedge: {delay: 100ms, budget_min_concurrency: 1}}', new FirstListed());
    const result = runner.run(REQ, {});
    await clock.advance(0);
    expect(b.sent).toBe(1);
    await clock.advance(99);
    expect(c.sent).toBe(0);
    await clock.advance(1);
    expect((await result).replica).toBe('c');
  });
});

describe('AttemptRunner: rescue', () => {
  it('an attempt on a replica that stops being live is replaced within ~100 ms, and the new answer wins', async () => {
    const a = new FakeReplica('a', hang);
    const b = new FakeReplica('b', ok('b'));
    // No hedge can be sent (zero budget), so only a rescue can move the request.
    const { runner, clock, events } = setup([a, b], 'routing: {hedge: {delay: 10ms, budget_ratio: 0, budget_min_concurrency: 0}}', new FirstListed());
    const result = runner.run(REQ, {});
    await clock.advance(20);
    expect(b.sent).toBe(0);
    a.live = false;
    await clock.advance(100);
    expect(b.sent).toBe(1);
    expect((await result).replica).toBe('b');
    expect(events).toContain('rescue');
    expect(a.aborted).toBe(1);
    expect(a.verdicts).toEqual(['neutral']);
  });

  it('a rescue needs no budget', async () => {
    const a = new FakeReplica('a', hang);
    const b = new FakeReplica('b', ok('b'));
    const { runner, clock, events } = setup(
      [a, b],
      'routing: {hedge: {delay: 10ms, budget_ratio: 0, budget_min_concurrency: 0}, retry_budget: {ratio: 0, min_concurrency: 0}}',
      new FirstListed(),
    );
    const result = runner.run(REQ, {});
    await clock.advance(20);
    a.live = false;
    await clock.advance(100);
    expect((await result).replica).toBe('b');
    expect(events).toContain('rescue');
    expect(events).not.toContain('throttled-retry');
  });

  // FINDING (reported, not fixed): the watch loop only looks at its attempts once the newest one's
  // hedge delay has passed (attempt-runner.ts #watch: `wait = due - now` before that). An attempt on
  // a replica that goes down earlier is moved only at the hedge delay: up to max_delay (500 ms by
  // default) with `auto`, or the fixed delay, even with hedging disabled. Documented in #watch's
  // comment, so possibly intended; it contradicts "moved within ~100 ms" when the replica goes down
  // early.
  it('an attempt on a replica that goes down before its hedge delay is still moved within ~100 ms', async () => {
    const a = new FakeReplica('a', hang);
    const b = new FakeReplica('b', ok('b'));
    const { runner, clock } = setup([a, b], 'routing: {hedge: {delay: 2s, budget_min_concurrency: 1}}', new FirstListed());
    const result = runner.run(REQ, {});
    await clock.advance(5);
    a.live = false;
    await clock.advance(100);
    expect(b.sent).toBe(1);
    await result;
  });
});
