import { describe, expect, it } from 'vitest';
import { answerHolesOf, judgeAnswers, matrixOf, missingSteps, sumAnswerHoles, type AnswerCheckSpec, type MatrixSeries } from '../../../bench/lib/answer-check.js';

const series = (metric: Record<string, string>, steps: Array<[number, string]>): MatrixSeries => ({ metric, values: steps });
const ones = (from: number, to: number, step = 1): Array<[number, string]> => {
  const out: Array<[number, string]> = [];
  for (let t = from; t <= to; t += step) out.push([t, '1']);
  return out;
};
const body = (result: MatrixSeries[]): string => JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } });

describe('matrixOf', () => {
  it('reads the series of a successful matrix answer and nothing else', () => {
    const s = [series({ job: 'prometheus' }, [[10, '1']])];
    expect(matrixOf(body(s))).toEqual(s);
    expect(matrixOf(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'x' }))).toBeUndefined();
    expect(matrixOf(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }))).toBeUndefined();
    expect(matrixOf('request failed: ECONNREFUSED')).toBeUndefined();
    expect(matrixOf('')).toBeUndefined();
  });
});

describe('missingSteps', () => {
  const truth = [series({ job: 'prometheus' }, ones(100, 120)), series({ job: 'demo' }, ones(100, 120, 5))];

  it('an identical answer misses nothing, whatever order its series and labels come in', () => {
    const answer = [series({ job: 'demo' }, ones(100, 120, 5)), series({ job: 'prometheus' }, ones(100, 120))];
    expect(missingSteps(truth, answer, 100, 120)).toBe(0);
    const labels = [series({ b: '2', a: '1' }, ones(1, 3))];
    expect(missingSteps([series({ a: '1', b: '2' }, ones(1, 3))], labels, 0, 10)).toBe(0);
  });

  it('counts the steps of a hole in the middle, and a series the answer lacks altogether', () => {
    const holed = [series({ job: 'prometheus' }, [...ones(100, 105), ...ones(112, 120)]), series({ job: 'demo' }, ones(100, 120, 5))];
    expect(missingSteps(truth, holed, 100, 120)).toBe(6);
    expect(missingSteps(truth, [truth[0]!], 100, 120)).toBe(5);
  });

  it('counts a step held with another value', () => {
    const other = [series({ job: 'prometheus' }, ones(100, 120).map(([t, v]) => [t, t === 110 ? '2' : v] as [number, string])), truth[1]!];
    expect(missingSteps(truth, other, 100, 120)).toBe(1);
  });

  it('judges only steps in [from, to]: older time belongs to earlier runs, the newest is settling', () => {
    const holed = [series({ job: 'prometheus' }, ones(103, 117)), truth[1]!];
    expect(missingSteps(truth, holed, 100, 120)).toBe(6);
    expect(missingSteps(truth, holed, 103, 117)).toBe(0);
  });

  it('steps and series beyond the truth are no holes', () => {
    const more = [...truth, series({ job: 'extra' }, ones(100, 120)), series({ job: 'prometheus' }, ones(90, 130))];
    expect(missingSteps(truth, more, 0, 200)).toBe(0);
  });
});

describe('judgeAnswers', () => {
  const spec: AnswerCheckSpec = {
    panels: [
      { title: 'a', expr: 'sum by (job) (present_over_time(up[2s]))', stepSec: 1 },
      { title: 'b', expr: 'count by (job) (present_over_time(scrape_samples_scraped[3s]))', stepSec: 3 },
    ],
    rangeMs: 60_000,
    rounds: 3,
    afterRecoveryMs: 0,
    skipMs: 0,
  };
  const NOW_MS = 1_000_000_000;
  const full = body([series({ job: 'prometheus' }, ones(NOW_MS / 1000 - 60, NOW_MS / 1000))]);
  const holed = body([series({ job: 'prometheus' }, [...ones(NOW_MS / 1000 - 60, NOW_MS / 1000 - 40), ...ones(NOW_MS / 1000 - 30, NOW_MS / 1000)])]);

  it('round robin over a holed and a whole replica: every other answer has holes; the truth is asked right after each', async () => {
    const asked: string[] = [];
    let n = 0;
    const get = async (url: string): Promise<string> => {
      asked.push(url);
      if (url.startsWith('http://truth')) return full;
      return n++ % 2 === 0 ? holed : full;
    };
    const r = await judgeAnswers({ url: 'http://fe', truthUrl: 'http://truth', spec, fromMs: NOW_MS - 60_000, nowMs: () => NOW_MS, get });
    expect(r).toEqual({ answers: 6, withHoles: 3, failed: 0, share: 0.5 });
    expect(asked).toHaveLength(12);
    expect(asked.filter((_, i) => i % 2 === 1).every((u) => u.startsWith('http://truth/api/v1/query_range?'))).toBe(true);
    expect(asked[0]!.slice('http://fe'.length)).toBe(asked[1]!.slice('http://truth'.length));
    expect(new URL(asked[2]!).searchParams.get('step')).toBe('3');
  });

  it('an answer that is not a matrix is not judged but counted as not answered (and the truth is not asked)', async () => {
    const asked: string[] = [];
    const get = async (url: string): Promise<string> => {
      asked.push(url);
      return url.startsWith('http://truth') ? full : asked.length === 1 ? 'request failed: ECONNREFUSED' : full;
    };
    const r = await judgeAnswers({ url: 'http://fe', truthUrl: 'http://truth', spec: { ...spec, rounds: 1 }, fromMs: 0, nowMs: () => NOW_MS, get });
    expect(r).toEqual({ answers: 1, withHoles: 0, failed: 1, share: 0 });
    expect(asked).toHaveLength(3);
  });
});

describe('sumAnswerHoles', () => {
  it('sums rounds with the share of the sums; nothing judged is undefined, none answered a null share', () => {
    expect(sumAnswerHoles([answerHolesOf(18, 9, 0), undefined, answerHolesOf(18, 3, 1)])).toEqual({ answers: 36, withHoles: 12, failed: 1, share: 12 / 36 });
    expect(sumAnswerHoles([undefined])).toBeUndefined();
    expect(sumAnswerHoles([])).toBeUndefined();
    expect(answerHolesOf(0, 0, 4)).toEqual({ answers: 0, withHoles: 0, failed: 4, share: null });
  });
});
