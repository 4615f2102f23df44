/**
 * One rule for annotations (issue #7): an answer with top-level `warnings` or `infos` is about the
 * moment it was computed and is never kept. Prometheus writes them at the top level, after `data`,
 * and leaves them out when empty (web/api/v1/api.go Response, `omitempty`).
 */
import { describe, expect, it } from 'vitest';
import { hasAnnotations } from '../../../src/timeseries/response.js';

const DATA = '"data":{"resultType":"vector","result":[{"metric":{"job":"api"},"value":[1700000000,"1"]}]}';

describe('hasAnnotations', () => {
  it.each([
    { why: 'top-level warnings', body: `{"status":"success",${DATA},"warnings":["PromQL warning: encountered a mix of histograms and floats"]}`, expected: true },
    { why: 'top-level infos', body: `{"status":"success",${DATA},"infos":["PromQL info: metric might not be a counter"]}`, expected: true },
    { why: 'both', body: `{"status":"success",${DATA},"warnings":["w"],"infos":["i"]}`, expected: true },
    { why: 'warnings on an error answer', body: '{"status":"error","errorType":"execution","error":"x","warnings":["w"]}', expected: true },
    { why: 'pretty-printed JSON', body: `{\n  "status": "success",\n  ${DATA},\n  "warnings" : [ "w" ]\n}`, expected: true },
    { why: 'a plain success answer', body: `{"status":"success",${DATA}}`, expected: false },
    { why: 'empty warnings', body: `{"status":"success",${DATA},"warnings":[]}`, expected: false },
    { why: 'empty infos', body: `{"status":"success",${DATA},"infos":[]}`, expected: false },
    { why: 'empty warnings and infos', body: `{"status":"success",${DATA},"warnings":[],"infos":[]}`, expected: false },
    {
      why: '"warnings" as a label name',
      body: '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"warnings":"3"},"value":[1700000000,"1"]}]}}',
      expected: false,
    },
    {
      why: '"warnings" as a label value',
      body: '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"kind":"warnings"},"value":[1700000000,"1"]}]}}',
      expected: false,
    },
    { why: '"infos" as a label value', body: '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"kind":"infos"},"value":[1,"1"]}]}}', expected: false },
    { why: 'label values answer listing "warnings"', body: '{"status":"success","data":["errors","infos","warnings"]}', expected: false },
    { why: 'warnings nested below the top level', body: '{"status":"success","data":{"warnings":["not ours"],"result":[]}}', expected: false },
    { why: 'warnings that are not an array', body: '{"status":"success","data":{},"warnings":"w"}', expected: false },
    { why: 'warnings null', body: '{"status":"success","data":{},"warnings":null}', expected: false },
    { why: 'a top-level array mentioning the word', body: '["warnings",["w"]]', expected: false },
    { why: 'non-JSON text mentioning "warnings"', body: 'upstream said: "warnings": ["x"]', expected: false },
    { why: 'truncated JSON', body: `{"status":"success",${DATA},"warnings":["w"`, expected: false },
    { why: 'non-JSON text', body: '<html><body>Bad Gateway</body></html>', expected: false },
    { why: 'an empty body', body: '', expected: false },
  ])('$why → $expected', ({ body, expected }) => {
    expect(hasAnnotations(Buffer.from(body))).toBe(expected);
  });
});
