import type { Slice } from '../ha/index.js';
import { concatInTimeOrder, formatTimestampMs, goJson, parseRangeResponse, serializeRangeResponse } from '../timeseries/index.js';
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
  const shown = slices.slice(0, MAX_DESCRIBED).map((s) => `${s.replica}[${iso(s.start)}..${iso(s.end)}]`);
  return slices.length > MAX_DESCRIBED ? `${shown.join(', ')}, … (${slices.length} slices)` : shown.join(', ');
}

/** A header line stays well under what clients accept (Node's 16 KiB for all headers). */
const MAX_DESCRIBED = 8;

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

/**
 * Adds a warning to a Prometheus success answer (an instant query no replica fully covers), next
 * to any warnings or infos Prometheus put there itself. Done on the text, in Prometheus's key
 * order (status, data, warnings, infos): `"warnings":[` and `,"infos":[` with bare quotes can
 * only be top-level keys, since quotes inside label names and values are escaped.
 */
export function withWarning(answer: UpstreamAnswer, warning: string): UpstreamAnswer {
  if (answer.statusCode !== 200 || answer.headers['content-encoding'] !== undefined) return answer;
  const text = answer.body.toString('utf8').trimEnd();
  if (!text.startsWith('{"status":"success"') || !text.endsWith('}')) return answer;
  const w = goJson(warning);
  let out: string;
  const warnings = text.lastIndexOf('"warnings":[');
  const infos = text.lastIndexOf(',"infos":[');
  if (warnings >= 0) {
    const at = warnings + '"warnings":['.length;
    out = `${text.slice(0, at)}${w}${text[at] === ']' ? '' : ','}${text.slice(at)}`;
  } else if (infos >= 0) {
    out = `${text.slice(0, infos)},"warnings":[${w}]${text.slice(infos)}`;
  } else {
    out = `${text.slice(0, -1)},"warnings":[${w}]}`;
  }
  const { 'content-length': _cl, ...headers } = answer.headers;
  return { ...answer, headers, body: Buffer.from(out) };
}

function iso(ms: number): string {
  const d = new Date(ms);
  // Times past what a JavaScript Date holds (year 275760) are written as Prometheus would.
  return Number.isNaN(d.getTime()) ? formatTimestampMs(ms) : d.toISOString();
}
