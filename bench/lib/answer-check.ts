/**
 * Answers judged against the truth (the outage scenario). After a replica's outage, a dashboard's
 * panels are asked through the front end one request at a time, several rounds (so a round-robin
 * balancer sends each panel to every replica), and right after each answer the same request is
 * asked of a replica that never stopped: the truth for the time both were up.
 *
 * An answer has holes when a series of the truth is missing a step in it, or holds the step with
 * another value (compared as text: Prometheus formats a float one way). Steps or series the answer
 * has beyond the truth are no holes. Only steps in [from, asked − EDGE_MS] are judged: older steps
 * belong to earlier runs, and the newest may still be getting a scrape on either replica.
 */
import { alignedWindow, rangeQueryPath, type Panel } from './dashboard-windows.js';
import type { AnswerHoles } from './types.js';

/** Steps this close to the moment of asking are not judged. */
export const EDGE_MS = 2_000;
const TIMEOUT_MS = 30_000;

export interface MatrixSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

/** The series of a successful matrix answer; `undefined` for anything else (an error, not JSON, another type). */
export function matrixOf(body: string): MatrixSeries[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return undefined;
  }
  const d = doc as { status?: unknown; data?: { resultType?: unknown; result?: unknown } };
  if (d.status !== 'success' || d.data?.resultType !== 'matrix' || !Array.isArray(d.data.result)) return undefined;
  return d.data.result as MatrixSeries[];
}

/** A label set as a key, whatever order the labels come in. */
function seriesKey(metric: Record<string, string>): string {
  return JSON.stringify(Object.entries(metric).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Steps of `truth` in [fromSec, toSec] that `answer` lacks or holds with another value. */
export function missingSteps(truth: readonly MatrixSeries[], answer: readonly MatrixSeries[], fromSec: number, toSec: number): number {
  const got = new Map<string, Map<number, string>>();
  for (const s of answer) got.set(seriesKey(s.metric), new Map(s.values));
  let missing = 0;
  for (const s of truth) {
    const mine = got.get(seriesKey(s.metric));
    for (const [t, v] of s.values) if (t >= fromSec && t <= toSec && mine?.get(t) !== v) missing += 1;
  }
  return missing;
}

export interface AnswerCheckSpec {
  /** Asked in order, each round, with windows over the last `rangeMs` sliding and step-aligned like Grafana's. */
  panels: readonly Panel[];
  rangeMs: number;
  rounds: number;
  /** Ask once the fault's recovery is this old (the front ends' health checks and probes have seen it). */
  afterRecoveryMs: number;
  /** Judge steps from this long after the run's start: the longest range a panel reads, so no step reads earlier runs' time. */
  skipMs: number;
}

export interface JudgeOptions {
  url: string;
  truthUrl: string;
  spec: AnswerCheckSpec;
  /** Unix ms from which steps are judged. */
  fromMs: number;
  nowMs?: () => number;
  /** A URL's body, or a text saying why there is none; default fetch. */
  get?: (url: string) => Promise<string>;
}

/** Asks every panel `rounds` times through `url`, one request at a time, each followed by the same request to `truthUrl`. */
export async function judgeAnswers(o: JudgeOptions): Promise<AnswerHoles> {
  const now = o.nowMs ?? Date.now;
  const get = o.get ?? bodyOf;
  let answers = 0;
  let withHoles = 0;
  let failed = 0;
  for (let round = 0; round < o.spec.rounds; round++) {
    for (const panel of o.spec.panels) {
      const askedMs = now();
      const path = rangeQueryPath(panel.expr, alignedWindow(askedMs, o.spec.rangeMs, panel.stepSec));
      const answer = matrixOf(await get(o.url + path));
      const truth = answer === undefined ? undefined : matrixOf(await get(o.truthUrl + path));
      if (answer === undefined || truth === undefined) {
        failed += 1;
        continue;
      }
      answers += 1;
      if (missingSteps(truth, answer, o.fromMs / 1000, (askedMs - EDGE_MS) / 1000) > 0) withHoles += 1;
    }
  }
  return answerHolesOf(answers, withHoles, failed);
}

async function bodyOf(url: string): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    return await res.text();
  } catch (err) {
    return `request failed: ${(err as Error).message}`;
  }
}

export function answerHolesOf(answers: number, withHoles: number, failed: number): AnswerHoles {
  return { answers, withHoles, failed, share: answers > 0 ? withHoles / answers : null };
}

/** Over rounds: sums, share of the sums; `undefined` when no round judged answers. */
export function sumAnswerHoles(rounds: ReadonlyArray<AnswerHoles | undefined>): AnswerHoles | undefined {
  const judged = rounds.filter((r): r is AnswerHoles => r !== undefined);
  if (judged.length === 0) return undefined;
  const sum = (f: (r: AnswerHoles) => number): number => judged.reduce((n, r) => n + f(r), 0);
  return answerHolesOf(
    sum((r) => r.answers),
    sum((r) => r.withHoles),
    sum((r) => r.failed),
  );
}
