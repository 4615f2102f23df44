import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import { hedgeDelay, type LatencySamples } from '../../../src/routing/hedge-delay.js';
import { LatencyWindow } from '../../../src/upstream/latency-window.js';

/** min_delay 30ms, max_delay 500ms, quantile 0.95 unless overridden. */
const hedgeConfig = (yaml = '') => parseConfigText(`replicas: [{url: "http://a:1"}]\nrouting: {hedge: {${yaml}}}`).routing.hedge;

/** A window whose quantile is `value` (whatever q), holding `size` samples of `minSamples` needed. */
function win(value: number | undefined, size: number, minSamples = 16): LatencySamples & { asked: number[] } {
  const asked: number[] = [];
  return {
    size,
    minSamples,
    asked,
    quantile(q) {
      asked.push(q);
      return value;
    },
  };
}

describe('hedgeDelay', () => {
  const cfg = hedgeConfig();

  it.each([
    { why: 'the fingerprint window, most specific, when it has enough samples', windows: [win(80, 20), win(200, 100)], delay: 80 },
    { why: 'the size class when the fingerprint has too few samples', windows: [win(80, 3), win(200, 100)], delay: 200 },
    { why: 'the size class when there is no fingerprint window', windows: [win(200, 100)], delay: 200 },
    { why: 'no hedge when no window has enough samples (a kind never seen: its cost is unknown)', windows: [win(80, 3), win(200, 15)], delay: Infinity },
    { why: 'no hedge when there is no window at all', windows: [], delay: Infinity },
    { why: 'exactly minSamples is enough', windows: [win(120, 16)], delay: 120 },
    { why: 'clamped up to min_delay', windows: [win(1, 100)], delay: 30 },
    { why: 'clamped down to max_delay', windows: [win(60_000, 100)], delay: 500 },
    { why: 'no hedge when a window claims enough samples but has no quantile', windows: [win(undefined, 100), win(200, 100)], delay: Infinity },
  ])('auto: $why', ({ windows, delay }) => {
    expect(hedgeDelay(cfg, windows)).toBe(delay);
  });

  it('auto: asks the chosen window for the configured quantile, and no other window', () => {
    const fingerprint = win(90, 20);
    const sizeClass = win(300, 100);
    expect(hedgeDelay(hedgeConfig('quantile: 0.9'), [fingerprint, sizeClass])).toBe(90);
    expect(fingerprint.asked).toEqual([0.9]);
    expect(sizeClass.asked).toEqual([]);
  });

  it('auto: each window’s own minSamples decides (a fingerprint needs fewer samples than a class)', () => {
    expect(hedgeDelay(cfg, [win(70, 4, 4), win(200, 100, 16)])).toBe(70);
  });

  it('auto: follows a real LatencyWindow once it holds minSamples', () => {
    const w = new LatencyWindow();
    for (let i = 0; i < w.minSamples - 1; i++) w.record(100);
    expect(hedgeDelay(cfg, [w])).toBe(Infinity);
    w.record(100);
    expect(hedgeDelay(cfg, [w])).toBe(100);
  });

  it.each([
    { delay: '10ms', ms: 10 },
    { delay: '250ms', ms: 250 },
    { delay: '2s', ms: 2000 },
  ])('a fixed delay ($delay) is used as is, whatever the windows say and unclamped', ({ delay, ms }) => {
    const fixed = hedgeConfig(`delay: ${delay}, max_delay: 1s`);
    const windows = [win(80, 100), win(200, 100)];
    expect(hedgeDelay(fixed, windows)).toBe(ms);
    expect(hedgeDelay(fixed, [])).toBe(ms);
    expect(windows[0]!.asked).toEqual([]);
  });
});
