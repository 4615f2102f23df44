import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTimestampMs, mergeMatrices, parseRangeResponse, sampleMs, serializeRangeResponse } from '../../../src/timeseries/index.js';
import { matrixArb } from './arbitraries.js';

/** util/jsonutil.MarshalTimestamp, transcribed with BigInt so it is exact for any int64. */
function goMarshalTimestamp(ms: number): string {
  let t = BigInt(ms);
  let out = '';
  if (t < 0n) {
    out += '-';
    t = -t;
  }
  out += (t / 1000n).toString();
  const fraction = t % 1000n;
  if (fraction !== 0n) {
    out += '.';
    if (fraction < 100n) out += '0';
    if (fraction < 10n) out += '0';
    out += fraction.toString();
  }
  return out;
}

describe('formatTimestampMs (jsonutil.MarshalTimestamp)', () => {
  // The cases of web/api/v1/json_codec_test.go TestJsonCodec_Encode.
  it.each([
    [0, '0'],
    [1, '0.001'],
    [10, '0.010'],
    [100, '0.100'],
    [1000, '1'],
    [1001, '1.001'],
    [1010, '1.010'],
    [1100, '1.100'],
    [-1, '-0.001'],
    [-1500, '-1.500'],
    [1700000000000, '1700000000'],
    [1700000000500, '1700000000.500'],
    [1700000000123, '1700000000.123'],
    [Number.MAX_SAFE_INTEGER, '9007199254740.991'],
  ])('%i ms → %s', (ms, text) => expect(formatTimestampMs(ms)).toBe(text));

  it('equals the Go format for every safe integer', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (ms) => {
        expect(formatTimestampMs(ms)).toBe(goMarshalTimestamp(ms));
      }),
    );
  });

  it('reads back to the same ms through JSON numbers', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e15, max: 1e15 }), (ms) => {
        expect(sampleMs(JSON.parse(formatTimestampMs(ms)) as number)).toBe(ms);
      }),
    );
  });

  it('refuses non-integer ms', () => {
    expect(() => formatTimestampMs(1.5)).toThrow(RangeError);
  });
});

describe('serializeRangeResponse', () => {
  it('writes what Prometheus writes (json_codec_test.go golden)', () => {
    expect(serializeRangeResponse({ matrix: [{ metric: { __name__: 'foo' }, values: [[1, '1']] }] })).toBe(
      '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"foo"},"values":[[1,"1"]]}]}}',
    );
    const histogram =
      '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"foo"},"histograms":[[1,{"count":"10","sum":"20","buckets":[[1,"-1.6817928305074288","-1.414213562373095","1"],[3,"-0.001","0.001","12"]]}]]}]}}';
    expect(serializeRangeResponse(parseRangeResponse(histogram)!)).toBe(histogram);
  });

  it('sorts label keys bytewise, escapes like Go and puts warnings and infos after data', () => {
    const body = serializeRangeResponse({
      matrix: [{ metric: { b: '<a&b>\u2028', a: 'x\ny', Z: '\u0001' }, values: [[1700000000.5, 'NaN']] }],
      warnings: ['w <1>'],
      infos: ['i'],
    });
    expect(body).toBe(
      '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"Z":"\\u0001","a":"x\\ny","b":"\\u003ca\\u0026b\\u003e\\u2028"},"values":[[1700000000.500,"NaN"]]}]},"warnings":["w \\u003c1\\u003e"],"infos":["i"]}',
    );
  });

  it('leaves out empty warnings, infos, values and histograms', () => {
    expect(serializeRangeResponse({ matrix: [], warnings: [], infos: [] })).toBe('{"status":"success","data":{"resultType":"matrix","result":[]}}');
    expect(serializeRangeResponse({ matrix: [{ metric: {}, values: [], histograms: [[0, {}]] }] })).toBe(
      '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"histograms":[[0,{}]]}]}}',
    );
  });

  it('writes integer-like label names in byte order, not JS key order', () => {
    expect(serializeRangeResponse({ matrix: [{ metric: { b: '1', '10': '2', '9': '3' }, values: [[0, '1']] }] })).toBe(
      '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"10":"2","9":"3","b":"1"},"values":[[0,"1"]]}]}}',
    );
  });
});

describe('parseRangeResponse', () => {
  it.each([
    ['not JSON', '{'],
    ['error', '{"status":"error","errorType":"bad_data","error":"x"}'],
    ['vector', '{"status":"success","data":{"resultType":"vector","result":[]}}'],
    ['values not pairs', '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1]]}]}}'],
    ['value not a string', '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,1]]}]}}'],
    ['label not a string', '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":1}}]}}'],
    ['warnings not strings', '{"status":"success","data":{"resultType":"matrix","result":[]},"warnings":[1]}'],
  ])('%s → undefined', (_name, body) => expect(parseRangeResponse(body)).toBeUndefined());

  it('reads matrix, warnings and infos from a Buffer', () => {
    const body = Buffer.from('{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"b"},"values":[[1.5,"2"]]}]},"warnings":["w"],"infos":[]}');
    expect(parseRangeResponse(body)).toEqual({ matrix: [{ metric: { a: 'b' }, values: [[1.5, '2']] }], warnings: ['w'] });
  });

  it('parse ∘ serialize is the identity, and serialize ∘ parse fixes its output', () => {
    fc.assert(
      fc.property(
        matrixArb,
        fc.array(fc.string(), { maxLength: 2 }),
        fc.array(fc.string(), { maxLength: 2 }),
        (raw, warnings, infos) => {
          const matrix = mergeMatrices([raw]);
          const text = serializeRangeResponse({ matrix, warnings, infos });
          const parsed = parseRangeResponse(text);
          expect(parsed).toEqual({
            matrix,
            ...(warnings.length > 0 ? { warnings } : {}),
            ...(infos.length > 0 ? { infos } : {}),
          });
          expect(serializeRangeResponse(parsed!)).toBe(text);
        },
      ),
    );
  });
});
