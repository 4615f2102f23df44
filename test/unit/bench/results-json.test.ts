import { describe, expect, it } from 'vitest';
import { bucketize, summarize } from '../../../bench/lib/stats.js';
import { RESULTS } from './fixtures.js';

// results.json is read back by later tooling (and by people comparing runs): the model must
// survive a JSON round trip unchanged, which rules out NaN, Infinity, Maps and Dates.
describe('the result model serializes cleanly', () => {
  it('round-trips the fixture', () => {
    expect(JSON.parse(JSON.stringify(RESULTS))).toEqual(RESULTS);
  });

  it('round-trips what stats produce for empty and failing input', () => {
    const failing = [{ startMs: 0, latencyMs: 3, status: 0, ok: false }];
    for (const value of [summarize([], 1000), summarize(failing, 0), bucketize(failing, 100, 500)]) {
      const json = JSON.stringify(value);
      expect(json).not.toMatch(/NaN|Infinity/);
      expect(JSON.parse(json)).toEqual(value);
    }
  });
});
