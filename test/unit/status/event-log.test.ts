import { describe, expect, it } from 'vitest';
import { EventLog } from '../../../src/status/event-log.js';
import { FakeClock } from '../../helpers/fake-clock.js';

describe('EventLog', () => {
  it('stamps each event with the injected clock and lists them newest first', async () => {
    const clock = new FakeClock(1_000);
    const log = new EventLog(clock, 10);
    log.record({ kind: 'replica_down', replica: 'r1', message: 'replica is down' });
    await clock.advance(500);
    log.record({ kind: 'breaker_open', replica: 'r2', message: 'circuit breaker open' });
    await clock.advance(500);
    log.record({ kind: 'reload', message: 'configuration reloaded' });
    expect(log.recent()).toEqual([
      { at: 2_000, kind: 'reload', replica: undefined, message: 'configuration reloaded' },
      { at: 1_500, kind: 'breaker_open', replica: 'r2', message: 'circuit breaker open' },
      { at: 1_000, kind: 'replica_down', replica: 'r1', message: 'replica is down' },
    ]);
    expect(log.size).toBe(3);
  });

  it('is empty before anything happened', () => {
    expect(new EventLog(new FakeClock()).recent()).toEqual([]);
  });

  it('keeps only the last `capacity` events however long a replica flaps: the oldest go first', () => {
    const clock = new FakeClock(0);
    const log = new EventLog(clock, 3);
    for (let i = 0; i < 250; i++) log.record({ kind: i % 2 === 0 ? 'replica_down' : 'replica_up', replica: 'r1', message: `#${i}` });
    expect(log.size).toBe(3);
    expect(log.recent().map((e) => e.message)).toEqual(['#249', '#248', '#247']);
  });

  it('recent(limit) gives at most `limit` of the newest', () => {
    const log = new EventLog(new FakeClock(), 100);
    for (let i = 0; i < 5; i++) log.record({ kind: 'failover', replica: 'r1', message: `#${i}` });
    expect(log.recent(2).map((e) => e.message)).toEqual(['#4', '#3']);
    expect(log.recent(0)).toEqual([]);
    expect(log.recent(50)).toHaveLength(5);
  });

  it('hands out frozen events, so a reader cannot rewrite history', () => {
    const log = new EventLog(new FakeClock());
    const kept = log.record({ kind: 'reload_failed', message: 'bad yaml' });
    expect(Object.isFrozen(kept)).toBe(true);
    expect(Object.isFrozen(log.recent()[0])).toBe(true);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses capacity %s at construction', (capacity) => {
    expect(() => new EventLog(new FakeClock(), capacity)).toThrow(RangeError);
  });
});
