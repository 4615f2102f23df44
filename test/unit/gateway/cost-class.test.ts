import { describe, expect, it } from 'vitest';
import { costClassOf } from '../../../src/gateway/cost-class.js';

const Q = 'sum by (job) (rate(http_requests_total[5m]))';
const MIN = 60_000;

describe('costClassOf', () => {
  it('a 1-step delta fetch and a 1440-step window of the same query land in different classes', () => {
    const delta = costClassOf('query_range', Q, 1, 5 * MIN);
    const day = costClassOf('query_range', Q, 1440, 5 * MIN);
    expect(delta.latencyClass).not.toBe(day.latencyClass);
    expect(delta.costKey).not.toBe(day.costKey);
  });

  it('the same query and size give the same costKey and class', () => {
    expect(costClassOf('query_range', Q, 1440, 5 * MIN)).toEqual(costClassOf('query_range', Q, 1440, 5 * MIN));
  });

  it('sizes within one power of two share a class and a costKey (1000 and 1024 steps)', () => {
    const a = costClassOf('query_range', Q, 1000, 5 * MIN);
    const b = costClassOf('query_range', Q, 1024, 5 * MIN);
    expect(a).toEqual(b);
    expect(costClassOf('query_range', Q, 1025, 5 * MIN).latencyClass).not.toBe(a.latencyClass);
  });

  it('different lookbehinds differ in class', () => {
    const short = costClassOf('query_range', 'rate(x[5m])', 100, 5 * MIN);
    const long = costClassOf('query_range', 'rate(x[1h])', 100, 60 * MIN);
    const week = costClassOf('query_range', 'rate(x[7d])', 100, 7 * 24 * 60 * MIN);
    expect(new Set([short.latencyClass, long.latencyClass, week.latencyClass]).size).toBe(3);
  });

  it('one query text with a different lookbehind differs in class', () => {
    expect(costClassOf('query', Q, 1, 5 * MIN).latencyClass).not.toBe(costClassOf('query', Q, 1, 60 * MIN).latencyClass);
  });

  it('an unknown lookbehind is a class of its own, not the shortest one', () => {
    const unknown = costClassOf('query', Q, 1, undefined);
    expect(unknown.latencyClass).not.toBe(costClassOf('query', Q, 1, 0).latencyClass);
    expect(unknown.latencyClass).not.toBe(costClassOf('query', Q, 1, 5 * MIN).latencyClass);
  });

  it('different queries of one size share a class but not a costKey', () => {
    const a = costClassOf('query_range', 'rate(a[5m])', 500, 5 * MIN);
    const b = costClassOf('query_range', 'rate(b[5m])', 500, 5 * MIN);
    expect(a.latencyClass).toBe(b.latencyClass);
    expect(a.costKey).not.toBe(b.costKey);
  });

  it('instant and range evaluations of one query are never one class', () => {
    const instant = costClassOf('query', Q, 1, 5 * MIN);
    const range = costClassOf('query_range', Q, 1, 5 * MIN);
    expect(instant.latencyClass).not.toBe(range.latencyClass);
    expect(instant.costKey).not.toBe(range.costKey);
  });
});
