import type { Slice } from '../ha/index.js';
import { concatInTimeOrder, formatTimestampMs, goJson, hasAnnotations, parseRangeResponse, serializeRangeResponse } from '../timeseries/index.js';
import type { UpstreamAnswer } from '../upstream/upstream-types.js';

/** One slice's answer, buffered. */
export interface SliceAnswer {
  readonly slice: Slice;
  readonly answer: UpstreamAnswer;
}

/**
 * The warning an answer carries for steps no replica held every sample of: Prometheus's own way
 * of saying "this answer may be short" (Grafana shows it on the panel). Never cached.
 */
export function incompleteWarning(slices: readonly Slice[]): string | undefined {
  const short = slices.filter((s) => !s.complete);
  if (short.length === 0) return undefined;
  const spans = short.map((s) => (s.start === s.end ? iso(s.start) : `${iso(s.start)} to ${iso(s.end)}`));
  return `promgate: no replica holds all the data read at ${spans.join(', ')}; the answer may be incomplete there`;
}

/** Which replica served which steps, for X-Promgate-Replica. */
export function describeSlices(slices: readonly Slice[]): string {
  return slices.map((s) => `${s.replica}[${iso(s.start)}..${iso(s.end)}]`).join(', ');
}

/**
 * Stitches the answers of consecutive slices of one range query (Prometheus evaluates every step
 * on its own, so this is the whole-window answer). A slice that did not answer with a matrix is
 * passed on as it is: an error for part of the window is the answer's error.
 */
export function stitchSlices(parts: readonly SliceAnswer[]): UpstreamAnswer {
  const slices = parts.map((p) => p.slice);
  const failed = parts.find((p) => p.answer.statusCode !== 200);
  if (failed) return failed.answer;
  const parsed = parts.map((p) => parseRangeResponse(p.answer.body));
  if (parsed.some((p) => p === undefined)) return parts.find((_, i) => parsed[i] === undefined)!.answer;
  const warnings = [...new Set(parsed.flatMap((p) => p!.warnings ?? []))];
  const infos = [...new Set(parsed.flatMap((p) => p!.infos ?? []))];
  const warning = incompleteWarning(slices);
  if (warning) warnings.push(warning);
  const body = serializeRangeResponse({ matrix: concatInTimeOrder(parsed.map((p) => p!.matrix)), warnings, infos });
  const { 'content-length': _cl, 'content-encoding': _ce, ...headers } = parts[0]!.answer.headers;
  return { replica: describeSlices(slices), statusCode: 200, headers, body: Buffer.from(body) };
}

/** Adds a warning to a Prometheus success answer that has none (an instant query no replica fully covers). */
export function withWarning(answer: UpstreamAnswer, warning: string): UpstreamAnswer {
  const body = answer.body;
  if (answer.statusCode !== 200 || answer.headers['content-encoding'] !== undefined || hasAnnotations(body)) return answer;
  const text = body.toString('utf8').trimEnd();
  if (!text.startsWith('{"status":"success"') || !text.endsWith('}')) return answer;
  const { 'content-length': _cl, ...headers } = answer.headers;
  return { ...answer, headers, body: Buffer.from(`${text.slice(0, -1)},"warnings":${goJson([warning])}}`) };
}

function iso(ms: number): string {
  const s = formatTimestampMs(ms);
  return new Date(Number(s) * 1000).toISOString();
}
