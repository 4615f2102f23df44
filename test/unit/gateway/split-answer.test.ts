import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeSlices, incompleteWarning, stitchSlices, withWarning, type SliceAnswer } from '../../../src/gateway/split-answer.js';
import type { Slice } from '../../../src/ha/index.js';
import { cropMatrix, serializeRangeResponse, sortMatrix, type Matrix } from '../../../src/timeseries/index.js';
import type { UpstreamAnswer } from '../../../src/upstream/upstream-types.js';

const T0 = 1_700_000_000_000; // 2023-11-14T22:13:20.000Z
const STEP = 15_000;

const answer = (body: string, over: Partial<UpstreamAnswer> = {}): UpstreamAnswer => ({
  replica: 'r',
  statusCode: 200,
  headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
  body: Buffer.from(body),
  ...over,
});

const slice = (start: number, end: number, replica: string, complete = true): Slice => ({ start, end, replica, complete });

/** The answer `replica` gives for `s`: the whole matrix cropped to the slice's steps, as Prometheus writes it. */
function part(whole: Matrix, s: Slice, extra: { warnings?: string[]; infos?: string[] } = {}): SliceAnswer {
  return { slice: s, answer: answer(serializeRangeResponse({ matrix: cropMatrix(whole, { start: s.start, end: s.end }), ...extra }), { replica: s.replica }) };
}

/** Three series over steps 0..9; `b` only in steps 2..4, `c` only from step 6. */
const WHOLE: Matrix = sortMatrix([
  { metric: { __name__: 'up', job: 'a' }, values: Array.from({ length: 10 }, (_, k) => [(T0 + k * STEP) / 1000, String(k)] as [number, string]) },
  { metric: { __name__: 'up', job: 'b<&>' }, values: [2, 3, 4].map((k) => [(T0 + k * STEP) / 1000, '1.5'] as [number, string]) },
  { metric: { __name__: 'up', job: 'c', instance: 'x' }, values: [6, 7, 8, 9].map((k) => [(T0 + k * STEP) / 1000, 'NaN'] as [number, string]) },
]);
const at = (k: number): number => T0 + k * STEP;

describe('stitchSlices', () => {
  it('the stitched matrix equals the whole window asked of one replica, byte for byte', () => {
    const slices = [slice(at(0), at(2), 'a'), slice(at(3), at(5), 'b'), slice(at(6), at(9), 'a')];
    const out = stitchSlices(slices.map((s) => part(WHOLE, s)));
    expect(out.statusCode).toBe(200);
    expect(out.body.toString()).toBe(serializeRangeResponse({ matrix: WHOLE }));
    expect(out.replica).toBe(describeSlices(slices));
  });

  it('keeps the first slice headers but content-length and content-encoding', () => {
    const s = slice(at(0), at(9), 'a');
    const p = part(WHOLE, s);
    const out = stitchSlices([{ ...p, answer: { ...p.answer, headers: { ...p.answer.headers, 'content-encoding': 'identity', 'x-extra': '1' } } }]);
    expect(out.headers).toEqual({ 'content-type': 'application/json', 'x-extra': '1' });
  });

  it('merges warnings and infos (each once, in order met) and adds the incomplete warning last', () => {
    const slices = [slice(at(0), at(4), 'a'), slice(at(5), at(5), 'b', false), slice(at(6), at(9), 'a')];
    const out = stitchSlices([
      part(WHOLE, slices[0]!, { warnings: ['w1', 'w2'], infos: ['i1'] }),
      part(WHOLE, slices[1]!, { warnings: ['w2', 'w3'] }),
      part(WHOLE, slices[2]!, { infos: ['i1', 'i2'] }),
    ]);
    const warning = incompleteWarning(slices)!;
    expect(out.body.toString()).toBe(serializeRangeResponse({ matrix: WHOLE, warnings: ['w1', 'w2', 'w3', warning], infos: ['i1', 'i2'] }));
  });

  it('a slice that did not answer 200 is passed on as it is', () => {
    const bad = answer('{"status":"error","errorType":"timeout","error":"query timed out"}', { statusCode: 503, replica: 'b' });
    const slices = [slice(at(0), at(4), 'a'), slice(at(5), at(9), 'b')];
    const out = stitchSlices([part(WHOLE, slices[0]!), { slice: slices[1]!, answer: bad }]);
    expect(out).toBe(bad);
  });

  it('a 200 that is not a matrix is passed on as it is', () => {
    const odd = answer('{"status":"success","data":{"resultType":"vector","result":[]}}', { replica: 'b' });
    const slices = [slice(at(0), at(4), 'a'), slice(at(5), at(9), 'b')];
    expect(stitchSlices([part(WHOLE, slices[0]!), { slice: slices[1]!, answer: odd }])).toBe(odd);
  });

  it('property: any cut of any matrix into slices stitches back to the whole', () => {
    const labelValue = fc.constantFrom('a', 'b', 'Z', 'é', '😀', '<x>', '10');
    const series = fc.record({
      job: labelValue,
      extra: fc.option(labelValue, { nil: undefined }),
      present: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
      value: fc.constantFrom('0', '1.5', '-2e-05', 'NaN', '+Inf'),
    });
    const scenario = fc.record({
      series: fc.uniqueArray(series, { maxLength: 5, selector: (s) => `${s.job}|${s.extra ?? ''}` }),
      cuts: fc.uniqueArray(fc.integer({ min: 1, max: 11 }), { maxLength: 5 }),
      incomplete: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
    });
    fc.assert(
      fc.property(scenario, ({ series, cuts, incomplete }) => {
        const whole = sortMatrix(
          series
            .map((s) => ({
              metric: { __name__: 'm', job: s.job, ...(s.extra !== undefined ? { extra: s.extra } : {}) },
              values: s.present.flatMap((p, k) => (p ? [[at(k) / 1000, s.value] as [number, string]] : [])),
            }))
            .filter((s) => s.values.length > 0),
        );
        const bounds = [0, ...[...cuts].sort((x, y) => x - y), 12];
        const slices = bounds.slice(0, -1).map((lo, k) => slice(at(lo), at(bounds[k + 1]! - 1), k % 2 === 0 ? 'a' : 'b', !incomplete[k]));
        const out = stitchSlices(slices.map((s) => part(whole, s)));
        const warning = incompleteWarning(slices);
        expect(out.body.toString()).toBe(serializeRangeResponse({ matrix: whole, warnings: warning ? [warning] : [] }));
      }),
      { numRuns: 300 },
    );
  });
});

describe('incompleteWarning and describeSlices', () => {
  it('no warning when every slice is complete', () => {
    expect(incompleteWarning([slice(at(0), at(9), 'a')])).toBeUndefined();
    expect(incompleteWarning([])).toBeUndefined();
  });

  it('names each incomplete span in RFC 3339, a single step as one time', () => {
    const w = incompleteWarning([slice(T0, T0, 'a', false), slice(T0 + 1000, T0 + 99_000, 'b'), slice(T0 + 100_000, T0 + 400_500, 'c', false)]);
    expect(w).toBe(
      'promgate: no replica holds all the data read at 2023-11-14T22:13:20.000Z, 2023-11-14T22:15:00.000Z to 2023-11-14T22:20:00.500Z; the answer may be incomplete there',
    );
  });

  it('describeSlices tells which replica served which steps', () => {
    expect(describeSlices([slice(T0, T0 + 60_000, 'a'), slice(T0 + 75_000, T0 + 75_000, 'b', false)])).toBe(
      'a[2023-11-14T22:13:20.000Z..2023-11-14T22:14:20.000Z], b[2023-11-14T22:14:35.000Z..2023-11-14T22:14:35.000Z]',
    );
  });
});

describe('withWarning', () => {
  const VECTOR = '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"1"]}]}}';

  it('adds the warning to a success answer, as Prometheus places it, and drops content-length', () => {
    const out = withWarning(answer(`${VECTOR}\n`), 'holes <here> & there');
    expect(out.body.toString()).toBe(`${VECTOR.slice(0, -1)},"warnings":["holes \\u003chere\\u003e \\u0026 there"]}`);
    expect(JSON.parse(out.body.toString())).toMatchObject({ status: 'success', warnings: ['holes <here> & there'] });
    expect(out.headers).toEqual({ 'content-type': 'application/json' });
    expect(out.statusCode).toBe(200);
    expect(out.replica).toBe('r');
  });

  it.each([
    ['an error answer', answer('{"status":"error","errorType":"bad_data","error":"x"}', { statusCode: 400 })],
    ['a 200 that is not a Prometheus success', answer('{"status":"error","errorType":"x","error":"y"}')],
    ['a body that is not JSON', answer('<html>oops</html>')],
    ['an encoded body', answer(VECTOR, { headers: { 'content-encoding': 'gzip' }, body: Buffer.from([0x1f, 0x8b, 0x08]) })],
  ])('leaves %s alone', (_name, a) => {
    expect(withWarning(a, 'w')).toBe(a);
  });

  // Regression: withWarning used to give up on any answer that already carried warnings or infos
  // (`hasAnnotations(body)`), so the gateway's "may be incomplete" warning was silently lost whenever
  // Prometheus annotated the answer itself, e.g. the PromQL info "metric might not be a counter"
  // Prometheus 3 attaches to rate() over a metric not named *_total.
  it('adds the warning to an answer that already has infos or warnings of its own', () => {
    const annotated = `${VECTOR.slice(0, -1)},"infos":["PromQL info: metric might not be a counter"]}`;
    const out = withWarning(answer(annotated), 'promgate: incomplete');
    const doc = JSON.parse(out.body.toString()) as { warnings?: string[]; infos?: string[] };
    expect(doc.warnings).toEqual(['promgate: incomplete']);
    expect(doc.infos).toEqual(['PromQL info: metric might not be a counter']);
    // Prometheus's key order: warnings before infos.
    expect(out.body.toString().indexOf('"warnings"')).toBeLessThan(out.body.toString().indexOf('"infos"'));
  });

  it('adds the warning next to warnings Prometheus already gave', () => {
    const annotated = `${VECTOR.slice(0, -1)},"warnings":["PromQL warning: encountered a mix of histograms and floats"]}`;
    const doc = JSON.parse(withWarning(answer(annotated), 'promgate: incomplete').body.toString()) as { warnings?: string[] };
    expect([...(doc.warnings ?? [])].sort()).toEqual(['PromQL warning: encountered a mix of histograms and floats', 'promgate: incomplete']);
  });
});
