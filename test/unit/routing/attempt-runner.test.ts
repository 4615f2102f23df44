import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import {
  AttemptCanceledError,
  DeadlineExceededError,
  NoHealthyReplicaError,
  UpstreamBadStatusError,
  UpstreamConnectionError,
  UpstreamUnavailableError,
} from '../../../src/errors/index.js';
import { AttemptRunner } from '../../../src/routing/attempt-runner.js';
import { RoundRobin } from '../../../src/routing/round-robin.js';
import type { UpstreamAnswer, UpstreamRequest } from '../../../src/upstream/upstream-types.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { FakeReplica, runnerOver, type Script } from '../../helpers/fake-replica.js';



const answer = (replica: string, statusCode = 200): UpstreamAnswer => ({ replica, statusCode, headers: {}, body: Buffer.from(replica) });
const ok = (name: string, delayMs = 0, clock?: FakeClock): Script => (signal) =>
  new Promise((resolve, reject) => {
    if (!delayMs || !clock) return resolve(answer(name));
    const t = clock.setTimeout(() => resolve(answer(name)), delayMs);
    signal.addEventListener('abort', () => {
      clock.clearTimeout(t);
      reject(signal.reason);
    });
  });
const hang: Script = (signal) => new Promise((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
const refuse = (name: string): Script => () => Promise.reject(new UpstreamConnectionError(`${name}: ECONNREFUSED`));
const fault = (name: string, status = 500): Script => () =>
  Promise.reject(new UpstreamBadStatusError(`${name} answered ${status}`, status, { cause: answer(name, status) }));

const REQ: UpstreamRequest = { method: 'GET', pathAndQuery: '/api/v1/query?query=up', headers: {}, latencyClass: 'query' };

function setup(replicas: FakeReplica[], routingYaml = '') {
  return runnerOver(replicas, routingYaml);
}

describe('AttemptRunner', () => {
  it('answers from the first replica when it is fine', async () => {
    const a = new FakeReplica('a', ok('a'));
    const b = new FakeReplica('b', ok('b'));
    const { runner } = setup([a, b]);
    expect((await runner.run(REQ, {})).replica).toBe('a');
    expect(b.sent).toBe(0);
  });

  it('moves to another replica at once when the first refuses the connection', async () => {
    const a = new FakeReplica('a', refuse('a'));
    const b = new FakeReplica('b', ok('b'));
    const { runner, events } = setup([a, b]);
    expect((await runner.run(REQ, {})).replica).toBe('b');
    expect(events).toContain('retry');
  });

  it('retries a replica-fault 5xx elsewhere, but passes client errors back from one attempt', async () => {
    const a = new FakeReplica('a', fault('a', 500));
    const b = new FakeReplica('b', ok('b'));
    expect((await setup([a, b]).runner.run(REQ, {})).replica).toBe('b');

    const c = new FakeReplica('c', () => Promise.resolve(answer('c', 400)));
    const d = new FakeReplica('d', ok('d'));
    const res = await setup([c, d]).runner.run(REQ, {});
    expect(res.statusCode).toBe(400);
    expect(d.sent).toBe(0);
  });

  it('answers 503 at once when no replica is live', async () => {
    const a = new FakeReplica('a', ok('a'));
    a.live = false;
    await expect(setup([a]).runner.run(REQ, {})).rejects.toBeInstanceOf(NoHealthyReplicaError);
  });

  it('passes the replica’s own 5xx answer on when every attempt got one', async () => {
    const a = new FakeReplica('a', fault('a', 500));
    const b = new FakeReplica('b', fault('b', 500));
    const res = await setup([a, b]).runner.run(REQ, {});
    expect(res.statusCode).toBe(500);
  });

  it('fails with a 502-class error when every attempt failed on the transport', async () => {
    const a = new FakeReplica('a', refuse('a'));
    const b = new FakeReplica('b', refuse('b'));
    await expect(setup([a, b]).runner.run(REQ, {})).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });

  it('retries the only live replica when it failed once (transient reset)', async () => {
    let calls = 0;
    const a = new FakeReplica('a', () => (++calls === 1 ? refuse('a')(new AbortController().signal) : Promise.resolve(answer('a'))));
    const res = await setup([a]).runner.run(REQ, {});
    expect(res.replica).toBe('a');
    expect(a.sent).toBe(2);
  });

  it('never sends more than max_attempts attempts', async () => {
    const a = new FakeReplica('a', refuse('a'));
    const b = new FakeReplica('b', refuse('b'));
    const { runner } = setup([a, b], 'routing: {max_attempts: 2}');
    await expect(runner.run(REQ, {})).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(a.sent + b.sent).toBe(2);
  });

  it('hedges a hanging replica after the hedge delay; the hedge wins and the first attempt is canceled', async () => {
    const a = new FakeReplica('a', hang);
    const b = new FakeReplica('b', ok('b'));
    const { runner, clock, events } = setup([a, b], 'routing: {hedge: {delay: 100ms, budget_min_concurrency: 1}}');
    const result = runner.run(REQ, {});
    await clock.advance(99);
    expect(b.sent).toBe(0);
    await clock.advance(1);
    expect((await result).replica).toBe('b');
    expect(a.aborted).toBe(1);
    expect(events).toEqual(expect.arrayContaining(['hedge', 'hedge-won', 'a:canceled']));
  });

  it('keeps the first answer when the slow first attempt answers before the hedge', async () => {
    const { runner, clock } = (() => {
      const s = setup([], 'routing: {hedge: {delay: 100ms}}');
      return s;
    })();
    void runner;
    const a = new FakeReplica('a', ok('a', 150, clock));
    const b = new FakeReplica('b', ok('b', 500, clock));
    const config = parseConfigText('replicas: [{url: "http://a:1"}]\nrouting: {hedge: {delay: 100ms, budget_min_concurrency: 1}}');
    const r = new AttemptRunner(config.routing, { live: () => [a, b] }, new RoundRobin(), {
      clock,
      observer: { attempt: () => undefined, retry: () => undefined, hedge: () => undefined, hedgeWon: () => undefined, throttled: () => undefined, rescue: () => undefined },
    });
    const result = r.run(REQ, {});
    await clock.advance(150);
    expect((await result).replica).toBe('a');
    expect(b.aborted).toBe(1);
  });

  it('auto hedging leaves a kind of request never seen alone (a cold heavy query is not evaluated twice)', async () => {
    const a = new FakeReplica('a', hang);
    const b = new FakeReplica('b', ok('b'));
    const { runner, clock } = setup([a, b], 'routing: {hedge: {max_delay: 400ms, budget_min_concurrency: 1}, attempt_timeout: 5s}');
    const result = runner.run(REQ, {});
    await clock.advance(4999);
    expect(b.sent).toBe(0);
    await clock.advance(1);
    // The attempt timed out; the retry goes to b.
    expect((await result).replica).toBe('b');
  });

  it('an attempt on a replica that stops being live is moved at once, hedge or not', async () => {
    const a = new FakeReplica('a', hang);
    const b = new FakeReplica('b', ok('b'));
    const { runner, clock, events } = setup([a, b]);
    const result = runner.run(REQ, {});
    await clock.advance(50);
    a.live = false;
    await clock.advance(100);
    expect((await result).replica).toBe('b');
    expect(events).toContain('rescue');
  });

  it('auto hedge delay follows the replica’s observed latency quantile', async () => {
    const a = new FakeReplica('a', hang);
    for (let i = 0; i < 100; i++) a.window.record(40);
    const b = new FakeReplica('b', ok('b'));
    const { runner, clock } = setup([a, b], 'routing: {hedge: {min_delay: 10ms, max_delay: 500ms, budget_min_concurrency: 1}}');
    const result = runner.run(REQ, {});
    await clock.advance(40);
    expect((await result).replica).toBe('b');
  });

  it('gives up at the total deadline', async () => {
    const a = new FakeReplica('a', hang);
    const { runner, clock } = setup([a], 'routing: {attempt_timeout: 1s, total_deadline: 1s, hedge: {enabled: false}}');
    const result = runner.run(REQ, {});
    const assertion = expect(result).rejects.toMatchObject({ statusCode: 504, errorType: 'timeout' });
    await clock.advance(1000);
    await assertion;
    expect(clock.pending).toBe(0);
  });

  it('gives up at the total deadline even while attempts are still allowed', async () => {
    const a = new FakeReplica('a', hang);
    const b = new FakeReplica('b', hang);
    const { runner, clock } = setup([a, b], 'routing: {attempt_timeout: 2s, total_deadline: 3s, hedge: {enabled: false}}');
    const result = runner.run(REQ, {});
    const assertion = expect(result).rejects.toBeInstanceOf(DeadlineExceededError);
    await clock.advance(3000);
    await assertion;
    expect(a.aborted + b.aborted).toBe(2);
  });

  it('retries after an attempt timeout, within the total deadline', async () => {
    const a = new FakeReplica('a', hang);
    const b = new FakeReplica('b', ok('b'));
    const { runner, clock } = setup([a, b], 'routing: {attempt_timeout: 2s, total_deadline: 10s, hedge: {enabled: false}}');
    const result = runner.run(REQ, {});
    await clock.advance(2000);
    expect((await result).replica).toBe('b');
  });

  it('cancels every attempt when the client goes away, and leaves no timer behind', async () => {
    const a = new FakeReplica('a', hang);
    const b = new FakeReplica('b', hang);
    const { runner, clock } = setup([a, b], 'routing: {hedge: {delay: 10ms, budget_min_concurrency: 1}}');
    const client = new AbortController();
    const result = runner.run(REQ, { signal: client.signal });
    const assertion = expect(result).rejects.toBeInstanceOf(AttemptCanceledError);
    await clock.advance(20);
    client.abort();
    await assertion;
    expect(a.aborted + b.aborted).toBe(2);
    expect(clock.pending).toBe(0);
  });

  it('an affinity key keeps one replica for every request, whatever the policy, and fails over when it is gone', async () => {
    const a = new FakeReplica('a', ok('a'));
    const b = new FakeReplica('b', ok('b'));
    const c = new FakeReplica('c', ok('c'));
    const { runner } = setup([a, b, c]);
    const first = (await runner.run(REQ, { affinityKey: 'query-on-grid' })).replica;
    for (let i = 0; i < 10; i++) expect((await runner.run(REQ, { affinityKey: 'query-on-grid' })).replica).toBe(first);
    [a, b, c].find((r) => r.name === first)!.live = false;
    const second = (await runner.run(REQ, { affinityKey: 'query-on-grid' })).replica;
    expect(second).not.toBe(first);
    for (let i = 0; i < 5; i++) expect((await runner.run(REQ, { affinityKey: 'query-on-grid' })).replica).toBe(second);
  });
});
