import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import { HealthChecker } from '../../../src/upstream/health-checker.js';
import { Replica, replicaOptionsFrom } from '../../../src/upstream/replica.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { deferred, type Deferred, type FakeAnswer, FakeHost, settle } from '../../helpers/fake-dispatcher.js';

/**
 * HealthChecker over real Replicas whose pools are in-process fakes: each replica's readiness
 * answer is scripted per round, and a probe can be held open to play a frozen replica.
 */

const READY: FakeAnswer = { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Prometheus Server is Ready.\n' };
const NOT_READY: FakeAnswer = { statusCode: 503, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Service Unavailable' };

type Readiness = boolean | Deferred<FakeAnswer>;

interface Fixture {
  readonly replica: Replica;
  readonly host: FakeHost;
  /** What the next probes get: ready, not ready, or held until the test settles the deferred. */
  ready: Readiness;
  readonly events: string[];
  probes(): number;
}

let cleanup: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

function setup(names: readonly string[], healthYaml = '{interval: 10s, timeout: 1s, fall: 2, rise: 2}') {
  const config = parseConfigText(`replicas: [${names.map((n) => `{url: "http://${n}:9090", name: ${n}}`).join(', ')}]\nhealth_check: ${healthYaml}`);
  const clock = new FakeClock();
  const fixtures: Record<string, Fixture> = {};
  for (const r of config.replicas) {
    const host = new FakeHost();
    const replica = new Replica(replicaOptionsFrom(config, r), { now: () => clock.now(), dispatcher: host.dispatcher });
    const f: Fixture = {
      replica,
      host,
      ready: true,
      events: [],
      probes: () => host.seen(config.health_check.path).length,
    };
    host.respond = () => (typeof f.ready === 'boolean' ? (f.ready ? READY : NOT_READY) : f.ready.promise);
    replica.on('health', (s: string) => f.events.push(s));
    fixtures[r.name] = f;
    cleanup.push(() => replica.close());
  }
  const checker = new HealthChecker(
    config.health_check,
    Object.values(fixtures).map((f) => f.replica),
    clock,
  );
  cleanup.unshift(() => checker.stop());
  return { checker, clock, fx: fixtures, interval: config.health_check.interval, config };
}

describe('HealthChecker', () => {
  it('start() resolves after the first round, which decides each replica at once', async () => {
    const { checker, fx } = setup(['a', 'b'], '{interval: 10s, timeout: 1s, fall: 3, rise: 3}');
    fx.b!.ready = false;
    await checker.start();
    // A gateway starting next to a dead replica must not route to it for `fall` intervals.
    expect(fx.a!.replica.healthy).toBe(true);
    expect(fx.b!.replica.healthy).toBe(false);
    expect(fx.a!.events).toEqual([]);
    expect(fx.b!.events).toEqual(['down']);
    expect([fx.a!.probes(), fx.b!.probes()]).toEqual([1, 1]);
  });

  it('probes health_check.path on each replica’s probe pool, under its path prefix', async () => {
    const config = parseConfigText('replicas: [{url: "http://a:9090/prom/", name: a}]\nhealth_check: {path: /-/healthy}');
    const host = new FakeHost();
    const clock = new FakeClock();
    const replica = new Replica(
      { name: 'a', url: config.replicas[0]!.url, upstream: config.upstream, breaker: config.circuit_breaker, fall: 1, rise: 1, attemptTimeoutMs: 1_000 },
      { now: () => clock.now(), dispatcher: host.dispatcher },
    );
    cleanup.push(() => replica.close());
    const checker = new HealthChecker(config.health_check, [replica], clock);
    cleanup.unshift(() => checker.stop());
    await checker.start();
    expect(host.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /prom/-/healthy']);
    expect(host.requests[0]!.pool).toBe(host.pools[1]);
  });

  it('probes again every health_check.interval on the injected clock, and not before', async () => {
    const { checker, clock, fx, interval } = setup(['a']);
    await checker.start();
    expect(clock.pending).toBe(1);
    await clock.advance(interval - 1);
    expect(fx.a!.probes()).toBe(1);
    await clock.advance(1);
    expect(fx.a!.probes()).toBe(2);
    await clock.advance(interval * 3);
    expect(fx.a!.probes()).toBe(5);
  });

  it('takes a replica down after `fall` failed rounds and back after `rise` good ones, one event each', async () => {
    const { checker, clock, fx, interval } = setup(['a'], '{interval: 10s, timeout: 1s, fall: 2, rise: 3}');
    const a = fx.a!;
    await checker.start();
    const healthAfterRounds = async (ready: boolean, rounds: number) => {
      a.ready = ready;
      const seen: boolean[] = [];
      for (let i = 0; i < rounds; i++) {
        await clock.advance(interval);
        seen.push(a.replica.healthy);
      }
      return seen;
    };
    expect(await healthAfterRounds(false, 3)).toEqual([true, false, false]);
    expect(a.events).toEqual(['down']);
    expect(await healthAfterRounds(true, 4)).toEqual([false, false, true, true]);
    expect(a.events).toEqual(['down', 'up']);
  });

  it('a good round in between resets the failure streak', async () => {
    const { checker, clock, fx, interval } = setup(['a'], '{interval: 10s, timeout: 1s, fall: 2, rise: 2}');
    const a = fx.a!;
    await checker.start();
    for (const ready of [false, true, false, true, false, true]) {
      a.ready = ready;
      await clock.advance(interval);
    }
    expect(a.replica.healthy).toBe(true);
    expect(a.events).toEqual([]);
  });

  it('a frozen probe delays only its own replica’s verdict', async () => {
    const { checker, clock, fx, interval } = setup(['a', 'b'], '{interval: 10s, timeout: 1s, fall: 1, rise: 1}');
    await checker.start();
    const held = deferred<FakeAnswer>();
    fx.a!.ready = held;
    fx.b!.ready = false;
    await clock.advance(interval);
    // b's verdict is in while a's probe is still out.
    expect(fx.b!.replica.healthy).toBe(false);
    expect(fx.b!.events).toEqual(['down']);
    expect(fx.a!.replica.healthy).toBe(true);
    held.resolve(NOT_READY);
    await settle();
    expect(fx.a!.replica.healthy).toBe(false);
    expect(fx.a!.events).toEqual(['down']);
  });

  it('rounds never overlap: the next round is scheduled one interval after the slowest probe settles', async () => {
    const { checker, clock, fx, interval } = setup(['a', 'b']);
    await checker.start();
    const held = deferred<FakeAnswer>();
    fx.a!.ready = held;
    await clock.advance(interval);
    expect([fx.a!.probes(), fx.b!.probes()]).toEqual([2, 2]);
    // However long a's probe is held, no new round starts and no probe piles up behind it.
    await clock.advance(interval * 10);
    expect([fx.a!.probes(), fx.b!.probes()]).toEqual([2, 2]);
    expect(clock.pending).toBe(0);
    fx.a!.ready = true;
    held.resolve(READY);
    await settle();
    expect(clock.pending).toBe(1);
    await clock.advance(interval - 1);
    expect([fx.a!.probes(), fx.b!.probes()]).toEqual([2, 2]);
    await clock.advance(1);
    expect([fx.a!.probes(), fx.b!.probes()]).toEqual([3, 3]);
  });

  it('checkOnce() runs one round without scheduling another', async () => {
    const { checker, clock, fx } = setup(['a', 'b'], '{interval: 10s, timeout: 1s, fall: 1, rise: 1}');
    fx.a!.ready = false;
    await checker.checkOnce();
    expect(fx.a!.replica.healthy).toBe(false);
    expect(fx.b!.probes()).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('stop() clears the pending timer: no probe runs afterwards', async () => {
    const { checker, clock, fx, interval } = setup(['a']);
    await checker.start();
    expect(clock.pending).toBe(1);
    checker.stop();
    expect(clock.pending).toBe(0);
    await clock.advance(interval * 5);
    expect(fx.a!.probes()).toBe(1);
  });

  it('stop() during a round: its late results are not recorded and no round follows', async () => {
    const { checker, clock, fx, interval } = setup(['a'], '{interval: 10s, timeout: 1s, fall: 1, rise: 1}');
    await checker.start();
    const held = deferred<FakeAnswer>();
    fx.a!.ready = held;
    await clock.advance(interval);
    checker.stop();
    held.resolve(NOT_READY);
    await settle();
    expect(fx.a!.replica.healthy).toBe(true);
    expect(fx.a!.events).toEqual([]);
    expect(clock.pending).toBe(0);
    await clock.advance(interval * 5);
    expect(fx.a!.probes()).toBe(2);
  });

  it('start() after stop() resumes probing', async () => {
    const { checker, clock, fx, interval } = setup(['a']);
    await checker.start();
    checker.stop();
    await checker.start();
    expect(fx.a!.probes()).toBe(2);
    expect(clock.pending).toBe(1);
    await clock.advance(interval);
    expect(fx.a!.probes()).toBe(3);
  });

  it('a probe that fails at the transport counts as a failed check', async () => {
    const { checker, fx } = setup(['a'], '{interval: 10s, timeout: 1s, fall: 1, rise: 1}');
    fx.a!.host.respond = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    await checker.start();
    expect(fx.a!.replica.healthy).toBe(false);
    expect(fx.a!.events).toEqual(['down']);
  });
});
