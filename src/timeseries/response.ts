/**
 * Parses and writes a `/api/v1/query_range` success body byte for byte as Prometheus writes it:
 *   {"status":"success","data":{"resultType":"matrix","result":[…]},"warnings":[…],"infos":[…]}
 * - Response struct field order status, data, errorType, error, warnings, infos, the last four
 *   `omitempty` (web/api/v1/api.go); warnings/infos sit at the top level, after data.
 * - Each series is {"metric":{…},"values":[…],"histograms":[…]}, values/histograms left out when
 *   empty (web/api/v1/json_codec.go marshalSeriesJSON).
 * - metric is labels.Labels.MarshalJSON = encoding/json of a map: keys sorted bytewise, strings
 *   escaped like Go (HTML-safe: <, >, & as \u003c…; U+2028/U+2029 escaped).
 * - Timestamps per util/jsonutil MarshalTimestamp: integer ms as `sec[.mmm]`, the fraction always
 *   three digits and only when non-zero (1000 → 1, 1100 → 1.100, 1010 → 1.010, -1 → -0.001).
 */
import { labelPairs } from './labels.js';
import type { HistogramSample, Matrix, Sample, Series } from './matrix.js';
import { sampleMs } from './matrix.js';

export interface RangeResponse {
  matrix: Matrix;
  warnings?: string[];
  infos?: string[];
}

/** MarshalTimestamp: integer arithmetic only, so every safe-integer ms formats exactly. */
export function formatTimestampMs(ms: number): string {
  if (!Number.isSafeInteger(ms)) throw new RangeError(`timestamp must be a safe integer of ms, got ${ms}`);
  const abs = Math.abs(ms);
  const fraction = abs % 1000;
  const seconds = (abs - fraction) / 1000;
  const sign = ms < 0 ? '-' : '';
  return fraction === 0 ? `${sign}${seconds}` : `${sign}${seconds}.${String(fraction).padStart(3, '0')}`;
}

const GO_EXTRA_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * JSON text as Go's encoding/json (and jsoniter's standard-library mode) writes it. JSON.stringify
 * already writes \b \f \n \r \t \" \\ and \u00XX (lower-case hex) for other controls, as Go >= 1.22
 * does; Go also escapes the HTML characters and U+2028/U+2029. Those characters only ever occur
 * inside strings in JSON text, so replacing them over a whole JSON text is safe.
 */
export function goJson(value: unknown): string {
  return (JSON.stringify(value) ?? 'null').replace(/[<>&\u2028\u2029]/g, (c) => GO_EXTRA_ESCAPES[c] ?? c);
}

// Sample values are Go-formatted floats (`1.5`, `-2e-05`, `NaN`, `+Inf`): nothing to escape.
const PLAIN_VALUE = /^[\w.+-]*$/;

/** One `[t,"v"]` pair; the fast paths give the same text as formatTimestampMs and goJson. */
export function writeSample(v: Sample): string {
  const t = v[0];
  const time = Number.isSafeInteger(t) ? String(t) : formatTimestampMs(sampleMs(t));
  const value = PLAIN_VALUE.test(v[1]) ? `"${v[1]}"` : goJson(v[1]);
  return `[${time},${value}]`;
}

/** One `[t,{…}]` native histogram pair, the object in the key order it was parsed with. */
export function writeHistogramSample(h: HistogramSample): string {
  return `[${formatTimestampMs(sampleMs(h[0]))},${goJson(h[1])}]`;
}

function writeSeries(s: Series): string {
  const metric = labelPairs(s.metric)
    .map(([name, value]) => `${goJson(name)}:${goJson(value)}`)
    .join(',');
  let out = `{"metric":{${metric}}`;
  if (s.values !== undefined && s.values.length > 0) {
    out += `,"values":[${s.values.map(writeSample).join(',')}]`;
  }
  if (s.histograms !== undefined && s.histograms.length > 0) {
    out += `,"histograms":[${s.histograms.map(writeHistogramSample).join(',')}]`;
  }
  return `${out}}`;
}

/**
 * The success body Prometheus would send for `matrix`, which is written in the order given (sort
 * it with mergeMatrices or sortMatrix first). Histogram objects are written with their own key
 * order, which JSON.parse preserved from the upstream body.
 */
export function serializeRangeResponse(r: RangeResponse): string {
  let out = `{"status":"success","data":{"resultType":"matrix","result":[${r.matrix.map(writeSeries).join(',')}]}}`;
  if (r.warnings !== undefined && r.warnings.length > 0) out = `${out.slice(0, -1)},"warnings":${goJson(r.warnings)}}`;
  if (r.infos !== undefined && r.infos.length > 0) out = `${out.slice(0, -1)},"infos":${goJson(r.infos)}}`;
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function parseSeries(v: unknown): Series | undefined {
  if (!isRecord(v) || !isRecord(v.metric)) return undefined;
  const metric = v.metric;
  if (!Object.values(metric).every((x) => typeof x === 'string')) return undefined;
  const s: Series = { metric: metric as Record<string, string> };
  if (v.values !== undefined) {
    if (!Array.isArray(v.values)) return undefined;
    const ok = v.values.every((p: unknown) => Array.isArray(p) && p.length === 2 && isTime(p[0]) && typeof p[1] === 'string');
    if (!ok) return undefined;
    s.values = v.values as Sample[];
  }
  if (v.histograms !== undefined) {
    if (!Array.isArray(v.histograms)) return undefined;
    const ok = v.histograms.every((p: unknown) => Array.isArray(p) && p.length === 2 && isTime(p[0]) && isRecord(p[1]));
    if (!ok) return undefined;
    s.histograms = v.histograms as HistogramSample[];
  }
  return s;
}

/**
 * The matrix, warnings and infos of a query_range body; undefined unless it is well-formed JSON
 * with status "success" and resultType "matrix" (errors, other result types and bodies with
 * unexpected shapes are not for the range cache).
 */
export function parseRangeResponse(body: Buffer | string): RangeResponse | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(doc) || doc.status !== 'success' || !isRecord(doc.data)) return undefined;
  if (doc.data.resultType !== 'matrix' || !Array.isArray(doc.data.result)) return undefined;
  const matrix: Matrix = [];
  for (const raw of doc.data.result) {
    const s = parseSeries(raw);
    if (s === undefined) return undefined;
    matrix.push(s);
  }
  const out: RangeResponse = { matrix };
  if (doc.warnings !== undefined) {
    if (!isStringArray(doc.warnings)) return undefined;
    if (doc.warnings.length > 0) out.warnings = doc.warnings;
  }
  if (doc.infos !== undefined) {
    if (!isStringArray(doc.infos)) return undefined;
    if (doc.infos.length > 0) out.infos = doc.infos;
  }
  return out;
}

const WARNINGS = Buffer.from('"warnings"');
const INFOS = Buffer.from('"infos"');

/**
 * Whether a Prometheus API answer carries top-level `warnings` or `infos`. Such an answer is about
 * the moment it was computed (a replica's hole, a limit hit), so it is never kept: one rule for
 * instant, range and metadata answers. The byte scan settles most answers; only one that mentions
 * either word (say as a label) is parsed to look at its top level.
 */
export function hasAnnotations(body: Buffer): boolean {
  if (!body.includes(WARNINGS) && !body.includes(INFOS)) return false;
  try {
    const doc: unknown = JSON.parse(body.toString('utf8'));
    if (!doc || typeof doc !== 'object') return false;
    const { warnings, infos } = doc as { warnings?: unknown; infos?: unknown };
    return (Array.isArray(warnings) && warnings.length > 0) || (Array.isArray(infos) && infos.length > 0);
  } catch {
    // Not JSON: nothing Prometheus would have annotated.
    return false;
  }
}
