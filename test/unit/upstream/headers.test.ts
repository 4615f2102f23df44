import { describe, expect, it } from 'vitest';
import { forwardableRequestHeaders, forwardableResponseHeaders, preferredCoding } from '../../../src/upstream/headers.js';

describe('headers', () => {
  it('drops hop-by-hop and host-steering headers on the way up', () => {
    const out = forwardableRequestHeaders({
      host: 'evil.example', connection: 'keep-alive', 'keep-alive': 'timeout=5', 'transfer-encoding': 'chunked',
      'content-length': '10', 'x-forwarded-host': 'evil.example', forwarded: 'host=evil', 'proxy-authorization': 'x',
      'content-type': 'application/x-www-form-urlencoded', authorization: 'Bearer t', 'x-scope-orgid': 'team-a',
      'x-dashboard-uid': 'abc', 'user-agent': 'Grafana/11',
    });
    expect(out).toEqual({
      'content-type': 'application/x-www-form-urlencoded', authorization: 'Bearer t', 'x-scope-orgid': 'team-a',
      'x-dashboard-uid': 'abc', 'user-agent': 'Grafana/11',
    });
  });

  it.each([
    ['gzip, deflate, br', true],
    ['br, zstd', false],
    ['br;q=1, gzip;q=0.5', true],
    ['gzip;q=0', false],
    ['*', true],
    ['*;q=0', false],
    ['identity', false],
    ['', false],
    ['GZIP', true],
  ])('Accept-Encoding %j admits gzip: %s', (value, expected) => {
    expect(preferredCoding(value) === 'gzip').toBe(expected);
    if (expected) expect(forwardableRequestHeaders({ 'accept-encoding': value })['accept-encoding']).toBe('gzip');
  });

  it.each([
    ['deflate', 'deflate'],
    ['gzip, deflate', 'gzip'],
    ['gzip;q=0, deflate', 'deflate'],
    ['br, zstd', undefined],
    ['identity', undefined],
  ])('Accept-Encoding %j is forwarded as %j (never br or zstd)', (value, expected) => {
    expect(preferredCoding(value)).toBe(expected);
    expect(forwardableRequestHeaders({ 'accept-encoding': value })['accept-encoding']).toBe(expected);
  });

  it('passes answer headers but not framing', () => {
    expect(forwardableResponseHeaders({ 'content-type': 'application/json', 'content-encoding': 'gzip', 'transfer-encoding': 'chunked', connection: 'close', 'content-length': '5', vary: 'Origin' }))
      .toEqual({ 'content-type': 'application/json', 'content-encoding': 'gzip', vary: 'Origin' });
  });
});
