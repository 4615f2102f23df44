import { compareGoStrings, compareLabelSets, goJson, seriesKey, type LabelSet } from '../timeseries/index.js';
import type { UpstreamAnswer } from '../upstream/upstream-types.js';

/**
 * labels, label values and series asked of every live replica, merged: a name, value or series
 * one replica lost in a hole is still there on the other. Output as Prometheus writes it: names and
 * values sorted (Go string order), series sorted by labels.Compare. Any answer that is not a plain
 * success is passed on as it is.
 */
export function unionMetadata(endpoint: 'labels' | 'label_values' | 'series', answers: readonly UpstreamAnswer[]): UpstreamAnswer {
  const failed = answers.find((a) => a.statusCode !== 200 || a.headers['content-encoding'] !== undefined);
  if (failed || answers.length === 0) return failed ?? answers[0]!;
  const docs: { data?: unknown; warnings?: unknown }[] = [];
  for (const a of answers) {
    try {
      docs.push(JSON.parse(a.body.toString('utf8')) as { data?: unknown });
    } catch {
      return a;
    }
  }
  let data: string;
  if (endpoint === 'series') {
    const seen = new Map<string, LabelSet>();
    for (const d of docs) for (const s of (d.data as LabelSet[] | null) ?? []) seen.set(seriesKey(s), s);
    const sorted = [...seen.values()].sort(compareLabelSets);
    data = `[${sorted.map((s) => `{${Object.keys(s).sort(compareGoStrings).map((k) => `${goJson(k)}:${goJson(s[k]!)}`).join(',')}}`).join(',')}]`;
  } else {
    const names = new Set<string>();
    for (const d of docs) for (const n of (d.data as string[] | null) ?? []) names.add(n);
    data = goJson([...names].sort(compareGoStrings));
  }
  const warnings = [...new Set(docs.flatMap((d) => (Array.isArray(d.warnings) ? (d.warnings as string[]) : [])))];
  const body = `{"status":"success","data":${data}${warnings.length > 0 ? `,"warnings":${goJson(warnings)}` : ''}}`;
  const { 'content-length': _cl, ...headers } = answers[0]!.headers;
  return { replica: answers.map((a) => a.replica).join(','), statusCode: 200, headers, body: Buffer.from(body) };
}
