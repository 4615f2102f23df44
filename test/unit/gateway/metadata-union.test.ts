import { describe, expect, it } from 'vitest';
import { unionMetadata } from '../../../src/gateway/metadata-union.js';
import type { UpstreamAnswer } from '../../../src/upstream/upstream-types.js';

const answer = (replica: string, body: unknown, over: Partial<UpstreamAnswer> = {}): UpstreamAnswer => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    replica,
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) },
    body: Buffer.from(text),
    ...over,
  };
};
const ok = (replica: string, data: unknown, extra: object = {}) => answer(replica, { status: 'success', data, ...extra });

describe('unionMetadata: labels and label values', () => {
  it('unions names and sorts them in Go byte order (upper case first, astral code points last)', () => {
    const out = unionMetadata('labels', [ok('a', ['job', '\uFFFD', 'Zeta', '__name__']), ok('b', ['😀', 'job', 'instance'])]);
    expect(out.body.toString()).toBe('{"status":"success","data":["Zeta","__name__","instance","job","\uFFFD","😀"]}');
    expect(out.statusCode).toBe(200);
    expect(out.replica).toBe('a,b');
    expect(out.headers).toEqual({ 'content-type': 'application/json' });
  });

  it('label values: writes <, > and & as Go does (\\u003c, \\u003e, \\u0026)', () => {
    const out = unionMetadata('label_values', [ok('a', ['a<b', 'x&y']), ok('b', ['c>d', 'a<b'])]);
    expect(out.body.toString()).toBe('{"status":"success","data":["a\\u003cb","c\\u003ed","x\\u0026y"]}');
  });

  it('null data (no values) counts as none', () => {
    const out = unionMetadata('label_values', [ok('a', null), ok('b', ['v'])]);
    expect(out.body.toString()).toBe('{"status":"success","data":["v"]}');
    expect(unionMetadata('labels', [ok('a', null), ok('b', [])]).body.toString()).toBe('{"status":"success","data":[]}');
  });

  it('merges warnings, each once', () => {
    const out = unionMetadata('labels', [ok('a', ['x'], { warnings: ['w1', 'w2'] }), ok('b', ['y'], { warnings: ['w2'] })]);
    expect(out.body.toString()).toBe('{"status":"success","data":["x","y"],"warnings":["w1","w2"]}');
  });
});

describe('unionMetadata: series', () => {
  it('dedupes series whatever their key order and sorts them like labels.Compare (a prefix first)', () => {
    const out = unionMetadata('series', [
      ok('a', [
        { __name__: 'up', job: 'b' },
        { __name__: 'up', job: 'a', x: '1' },
      ]),
      ok('b', [
        { job: 'a', __name__: 'up' },
        { job: 'b', __name__: 'up' },
        { __name__: 'up', instance: 'z' },
      ]),
    ]);
    expect(out.body.toString()).toBe(
      '{"status":"success","data":[{"__name__":"up","instance":"z"},{"__name__":"up","job":"a"},{"__name__":"up","job":"a","x":"1"},{"__name__":"up","job":"b"}]}',
    );
  });

  it('orders label names and values by code point, and escapes like Go', () => {
    const out = unionMetadata('series', [ok('a', [{ __name__: 'm', v: '😀' }, { __name__: 'm', v: '\uFFFD' }, { __name__: 'm', v: '<&>', B: '1' }])]);
    expect(out.body.toString()).toBe(
      '{"status":"success","data":[{"B":"1","__name__":"m","v":"\\u003c\\u0026\\u003e"},{"__name__":"m","v":"\uFFFD"},{"__name__":"m","v":"😀"}]}',
    );
  });

  it('a label set with a numeric label name keeps Go order (JS would list "10" first)', () => {
    const out = unionMetadata('series', [ok('a', [{ b: '1', '10': 'x', a: '2' }])]);
    expect(out.body.toString()).toBe('{"status":"success","data":[{"10":"x","a":"2","b":"1"}]}');
  });
});

describe('unionMetadata passes on what it cannot merge', () => {
  it('a failed answer', () => {
    const failed = answer('b', { status: 'error', errorType: 'unavailable', error: 'down' }, { statusCode: 503 });
    expect(unionMetadata('labels', [ok('a', ['x']), failed])).toBe(failed);
  });

  it('an encoded answer', () => {
    const encoded = answer('b', 'gzip bytes', { headers: { 'content-encoding': 'gzip' } });
    expect(unionMetadata('series', [ok('a', []), encoded])).toBe(encoded);
  });

  it('a body that is not JSON', () => {
    const broken = answer('b', '{"status":"succ');
    expect(unionMetadata('labels', [ok('a', ['x']), broken])).toBe(broken);
  });
});
