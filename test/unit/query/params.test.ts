import { describe, expect, it } from 'vitest';
import { parseForm, parseParams } from '../../../src/query/params.js';

const FORM = 'application/x-www-form-urlencoded';
const entries = (m: Map<string, string[]>) => Object.fromEntries(m);

describe('parseParams (Go r.ParseForm → r.Form)', () => {
  it('reads a query string like url.ParseQuery', () => {
    expect(entries(parseParams('query=up&time=1&match[]=a&match%5B%5D=b', undefined, undefined))).toEqual({
      query: ['up'],
      time: ['1'],
      'match[]': ['a', 'b'],
    });
  });

  it.each([
    ['a=1+2', { a: ['1 2'] }],
    ['a=1%2B2', { a: ['1+2'] }],
    ['a', { a: [''] }],
    ['a=', { a: [''] }],
    ['=x', { '': ['x'] }],
    ['a=b=c', { a: ['b=c'] }],
    ['&&a=1&&', { a: ['1'] }],
    ['', {}],
    ['q=sum%28rate%28x%5B5m%5D%29%29', { q: ['sum(rate(x[5m]))'] }],
    ['q=caf%C3%A9', { q: ['café'] }],
  ])('%j', (qs, want) => {
    expect(entries(parseParams(qs, undefined, undefined))).toEqual(want);
  });

  it('puts body values before URL values, so FormValue prefers the body', () => {
    const body = Buffer.from('query=from_body&step=15');
    const form = parseForm('query=from_url&start=1', body, FORM, 'POST');
    expect(form.error).toBeUndefined();
    expect(entries(form.params)).toEqual({ query: ['from_body', 'from_url'], step: ['15'], start: ['1'] });
  });

  it.each([
    'application/x-www-form-urlencoded',
    'Application/X-WWW-Form-URLEncoded',
    'application/x-www-form-urlencoded; charset=UTF-8',
    'application/x-www-form-urlencoded;charset="utf-8"',
    ' application/x-www-form-urlencoded ;',
  ])('reads a form body with Content-Type %j', (ct) => {
    const form = parseForm('', Buffer.from('a=1'), ct, 'POST');
    expect(form.error).toBeUndefined();
    expect(entries(form.params)).toEqual({ a: ['1'] });
  });

  it('reads a body for POST, PUT and PATCH only, and only when it is a form', () => {
    const body = Buffer.from('a=1');
    for (const method of ['PUT', 'PATCH']) expect(entries(parseParams('', body, FORM, method))).toEqual({ a: ['1'] });
    for (const method of ['GET', 'HEAD', 'DELETE', 'OPTIONS']) expect(entries(parseParams('', body, FORM, method))).toEqual({});
    expect(entries(parseParams('', body, 'application/json'))).toEqual({});
    expect(entries(parseParams('', body, undefined))).toEqual({}); // empty type is octet-stream
    expect(entries(parseParams('', body, 'text/plain'))).toEqual({});
  });

  it.each([
    ['a=1;b=2', undefined, undefined, 'invalid semicolon separator in query', {}],
    ['a=1&b=2;c&d=4', undefined, undefined, 'invalid semicolon separator in query', { a: ['1'], d: ['4'] }],
    ['a=%zz&b=2', undefined, undefined, 'invalid URL escape "%zz"', { b: ['2'] }],
    ['a=1%', undefined, undefined, 'invalid URL escape "%"', {}],
    ['%zz=1', undefined, undefined, 'invalid URL escape "%zz"', {}],
    ['a=%ff', undefined, undefined, 'parameter is not valid UTF-8', {}],
    ['a=%c0%ae', undefined, undefined, 'parameter is not valid UTF-8', {}],
    ['a=é', undefined, undefined, 'raw non-printable or non-ASCII character in query string', { a: ['é'] }],
    ['a=1', 'b=%zz', FORM, 'invalid URL escape "%zz"', { a: ['1'] }],
    ['a=1', 'b=2', 'multipart/form-data; boundary=x', 'multipart/form-data bodies are not parsed', { a: ['1'] }],
    ['a=1', 'b=2', 'application/x-www-form-urlencoded; charset', 'mime: invalid media parameter', { b: ['2'], a: ['1'] }],
    ['a=1', 'b=2', 'nonsense', 'mime: invalid media type', { a: ['1'] }],
  ])('reports %j / body %j / %j as Go does: %s', (qs, body, ct, error, params) => {
    const form = parseForm(qs, body === undefined ? undefined : Buffer.from(body), ct, 'POST');
    expect(form.error).toBe(error);
    expect(entries(form.params)).toEqual(params);
  });

  it('does not read a body over 10 MiB', () => {
    const form = parseForm('a=1', Buffer.alloc((10 << 20) + 1, 0x61), FORM, 'POST');
    expect(form.error).toBe('http: POST too large');
    expect(entries(form.params)).toEqual({ a: ['1'] });
  });

  it('stops at 10,000 parameters', () => {
    const qs = Array.from({ length: 10_001 }, (_, i) => `p${i}=1`).join('&');
    expect(parseForm(qs, undefined, undefined).error).toBe('number of URL query parameters exceeded limit');
    expect(parseForm(qs.slice(0, qs.lastIndexOf('&')), undefined, undefined).error).toBeUndefined();
  });
});
