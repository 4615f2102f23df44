import { describe, expect, it } from 'vitest';
import { classifyAnswer } from '../../../src/upstream/answer-class.js';

const json = 'application/json';
const err = (t: string) => Buffer.from(JSON.stringify({ status: 'error', errorType: t, error: 'x' }));

describe('classifyAnswer', () => {
  it.each([
    [200, json, Buffer.from('{}'), 'final'],
    [204, undefined, Buffer.alloc(0), 'final'],
    [400, json, err('bad_data'), 'final'],
    [422, json, err('execution'), 'final'],
    [404, json, err('not_found'), 'final'],
    [405, 'text/plain', Buffer.from('Method Not Allowed'), 'final'],
    [503, json, err('timeout'), 'final'],
    [503, 'application/json; charset=utf-8', err('canceled'), 'final'],
    [503, 'text/plain; charset=utf-8', Buffer.from('Service Unavailable'), 'replica_fault'],
    [503, json, err('unavailable'), 'replica_fault'],
    [503, json, Buffer.from('not json'), 'replica_fault'],
    [500, json, err('internal'), 'replica_fault'],
    [502, 'text/html', Buffer.from('<html>'), 'replica_fault'],
    [504, undefined, Buffer.alloc(0), 'replica_fault'],
    [429, 'text/plain', Buffer.from('slow down'), 'replica_fault'],
  ] as const)('%i %s → %s', (status, ct, body, expected) => {
    expect(classifyAnswer(status, ct, body)).toBe(expected);
  });
});
