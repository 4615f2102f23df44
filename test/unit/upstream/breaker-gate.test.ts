/**
 * BreakerGate: admission apart from accounting. opossum keeps the state machine with real timers
 * and Date.now, so these tests drive it with vitest's fake timers (reset_timeout, rolling window).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import { BreakerGate, type BreakerState } from '../../../src/upstream/breaker-gate.js';

const RESET_MS = 5000;

/** volume 5, error rate > 50%, 10 s window in 10 buckets, half-open after 5 s. */
function breakerConfig(yaml = '') {
  return parseConfigText(
    `replicas: [{url: "http://a:1"}]\ncircuit_breaker: {volume_threshold: 5, error_threshold_percentage: 50, rolling_window: 10s, rolling_buckets: 10, reset_timeout: 5s${yaml}}`,
  ).circuit_breaker;
}

const gates: BreakerGate[] = [];
function gate(yaml = '') {
  const states: BreakerState[] = [];
  const g = new BreakerGate(breakerConfig(yaml), (s) => states.push(s));
  gates.push(g);
  return { g, states };
}

/** opossum reaches its verdict a few promise ticks after fire(): let them run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Admits one attempt and records `verdict` for it. */
async function record(g: BreakerGate, verdict: 'success' | 'failure' | 'neutral', times = 1): Promise<void> {
  for (let i = 0; i < times; i++) {
    const admission = g.admit();
    if (!admission) throw new Error(`not admitted while ${g.state}`);
    admission.record(verdict);
    await flush();
  }
}

async function openGate(yaml = '') {
  const made = gate(yaml);
  await record(made.g, 'failure', 5);
  expect(made.g.state).toBe('open');
  return made;
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  for (const g of gates.splice(0)) g.shutdown();
  vi.useRealTimers();
});

describe('BreakerGate', () => {
  it('closed: admits every attempt, none of them a trial', () => {
    const { g } = gate();
    expect(g.state).toBe('closed');
    expect(g.admitting).toBe(true);
    const admissions = Array.from({ length: 10 }, () => g.admit());
    expect(admissions.every((a) => a !== undefined && !a.trial)).toBe(true);
  });

  it('stays closed below the volume threshold, however many of the verdicts failed', async () => {
    const { g } = gate();
    await record(g, 'failure', 4);
    expect(g.state).toBe('closed');
    await record(g, 'failure');
    expect(g.state).toBe('open');
  });

  it('opens only when the error rate exceeds error_threshold_percentage', async () => {
    const { g, states } = gate();
    await record(g, 'success', 3);
    await record(g, 'failure', 2); // 2 of 5: 40%
    expect(g.state).toBe('closed');
    await record(g, 'failure'); // 3 of 6: 50%, not above
    expect(g.state).toBe('closed');
    await record(g, 'failure'); // 4 of 7: 57%
    expect(g.state).toBe('open');
    expect(states).toEqual(['open']);
  });

  it('open: admits nothing', async () => {
    const { g } = await openGate();
    expect(g.admitting).toBe(false);
    expect(g.admit()).toBeUndefined();
    expect(g.admit()).toBeUndefined();
  });

  it('after reset_timeout, half-open admits exactly one trial', async () => {
    const { g, states } = await openGate();
    await vi.advanceTimersByTimeAsync(RESET_MS - 1);
    expect(g.state).toBe('open');
    await vi.advanceTimersByTimeAsync(1);
    expect(g.state).toBe('half_open');
    expect(states).toEqual(['open', 'half_open']);
    expect(g.admitting).toBe(true);
    const trial = g.admit();
    expect(trial?.trial).toBe(true);
    expect(g.admitting).toBe(false);
    expect(g.admit()).toBeUndefined();
    expect(g.admit()).toBeUndefined();
  });

  it('a neutral trial frees the slot for the next request, and leaves the breaker half-open', async () => {
    const { g } = await openGate();
    await vi.advanceTimersByTimeAsync(RESET_MS);
    g.admit()!.record('neutral');
    await flush();
    expect(g.state).toBe('half_open');
    expect(g.admitting).toBe(true);
    const next = g.admit();
    expect(next?.trial).toBe(true);
    expect(g.admit()).toBeUndefined();
    // The next trial still decides: a success closes.
    next!.record('success');
    await flush();
    expect(g.state).toBe('closed');
  });

  it('a successful trial closes the breaker', async () => {
    const { g, states } = await openGate();
    await vi.advanceTimersByTimeAsync(RESET_MS);
    g.admit()!.record('success');
    await flush();
    expect(g.state).toBe('closed');
    expect(states).toEqual(['open', 'half_open', 'closed']);
    expect(g.admit()?.trial).toBe(false);
    expect(g.admit()?.trial).toBe(false);
  });

  it('a failed trial re-opens the breaker, for another reset_timeout', async () => {
    const { g, states } = await openGate();
    await vi.advanceTimersByTimeAsync(RESET_MS);
    g.admit()!.record('failure');
    await flush();
    expect(g.state).toBe('open');
    expect(g.admit()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(RESET_MS - 1);
    expect(g.state).toBe('open');
    await vi.advanceTimersByTimeAsync(1);
    expect(g.state).toBe('half_open');
    expect(states).toEqual(['open', 'half_open', 'open', 'half_open']);
  });

  it('a second record() of one admission is ignored (the trial slot is not freed twice)', async () => {
    const { g } = await openGate();
    await vi.advanceTimersByTimeAsync(RESET_MS);
    const trial = g.admit()!;
    trial.record('neutral');
    const next = g.admit()!;
    expect(next.trial).toBe(true);
    trial.record('neutral');
    expect(g.admit()).toBeUndefined();
  });

  it('a late verdict while open changes nothing: still open, half-open at the original time', async () => {
    const { g, states } = gate();
    const admitted = Array.from({ length: 7 }, () => g.admit()!);
    for (const a of admitted.slice(0, 5)) a.record('failure');
    await flush();
    expect(g.state).toBe('open');
    await vi.advanceTimersByTimeAsync(RESET_MS / 2);
    admitted[5]!.record('success');
    admitted[6]!.record('failure');
    await flush();
    expect(g.state).toBe('open');
    expect(g.admit()).toBeUndefined();
    // The reset timer was not restarted by the late failure.
    await vi.advanceTimersByTimeAsync(RESET_MS / 2);
    expect(g.state).toBe('half_open');
    expect(states).toEqual(['open', 'half_open']);
  });

  // BUG (reported, not fixed): a verdict recorded while open goes through opossum's fire(), which
  // emits 'fire' before refusing, so it counts in the rolling window as a request that neither
  // failed nor succeeded. Late verdicts of attempts admitted before opening thus dilute the error
  // rate: once closed again, the same failures no longer re-open it. The comment in
  // BreakerGate.admit() ("fire() rejects without counting") does not hold for `fires`.
  it('late verdicts while open do not dilute the error rate the breaker later re-opens on', async () => {
    async function reopensAfter(lateVerdicts: number): Promise<number> {
      const { g } = gate();
      const admitted = Array.from({ length: 5 + lateVerdicts }, () => g.admit()!);
      for (const a of admitted.slice(0, 5)) a.record('failure');
      await flush();
      for (const a of admitted.slice(5)) a.record('success');
      await flush();
      await vi.advanceTimersByTimeAsync(RESET_MS);
      g.admit()!.record('success');
      await flush();
      expect(g.state).toBe('closed');
      let failures = 0;
      while (g.state === 'closed' && failures < 50) {
        await record(g, 'failure');
        failures++;
      }
      return failures;
    }
    const without = await reopensAfter(0);
    const withLate = await reopensAfter(10);
    expect(withLate).toBe(without);
  });

  // FINDING (reported, not fixed; may be intended): while half-open, a late verdict of an attempt
  // admitted before the breaker opened reaches opossum like the trial's would, and opossum lets the
  // first fire() after half-open decide. A stale failure (say a slow query timing out) re-opens the
  // breaker while the trial is still out, and the trial's own verdict is then ignored.
  it.fails('while half-open, only the trial decides: a late failure of an older attempt does not re-open', async () => {
    const { g } = gate();
    const admitted = Array.from({ length: 6 }, () => g.admit()!);
    for (const a of admitted.slice(0, 5)) a.record('failure');
    await flush();
    await vi.advanceTimersByTimeAsync(RESET_MS);
    const trial = g.admit()!;
    expect(trial.trial).toBe(true);
    admitted[5]!.record('failure');
    await flush();
    expect(g.state).toBe('half_open');
    trial.record('success');
    await flush();
    expect(g.state).toBe('closed');
  });

  it('neutral verdicts never count as success: a breaker at the edge of opening is not pulled back', async () => {
    const { g } = gate();
    await record(g, 'success', 2);
    await record(g, 'failure', 2);
    // Were these successes (opossum's errorFilter counts a filtered error as one), the next
    // failure would make 3 of 55.
    await record(g, 'neutral', 50);
    expect(g.state).toBe('closed');
    await record(g, 'failure'); // 3 of 5: 60%
    expect(g.state).toBe('open');
  });

  it('a neutral half-open trial does not close the breaker', async () => {
    const { g, states } = await openGate();
    await vi.advanceTimersByTimeAsync(RESET_MS);
    await record(g, 'neutral', 5);
    expect(g.state).toBe('half_open');
    expect(states).toEqual(['open', 'half_open']);
  });

  it('failures older than the rolling window are forgotten', async () => {
    const { g } = gate();
    await record(g, 'failure', 4);
    await vi.advanceTimersByTimeAsync(11_000);
    await record(g, 'failure');
    expect(g.state).toBe('closed');
  });
});
