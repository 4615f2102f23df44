/** The Markdown report for a results file. Pure: same input, same text. */
import { benchCommand, formatBytes, formatCount, formatMeasured, formatMs, formatRatio, formatRps, formatShare, UNKNOWN } from './format.js';
import type { AnswerHoles, BenchResults, CacheBytes, MachineInfo, RangePoints, ScenarioResult, TargetCheck, TargetName, TargetResult } from './types.js';

/** A chart to link from the report; `path` relative to the report file. */
export interface ChartRef {
  title: string;
  path: string;
}

export interface ChartPaths {
  /** Charts about the whole run (throughput of every scenario), shown at the top. */
  overview?: readonly ChartRef[];
  /** Charts per scenario name. */
  scenarios?: Readonly<Record<string, readonly ChartRef[]>>;
}

export const REPRODUCE = 'npm run build && npm run bench';

/** `argv`, the bench's own arguments (after `npm run bench --`), makes "How to reproduce" show the exact command line. */
export function renderMarkdown(results: BenchResults, chartPaths: ChartPaths = {}, argv?: readonly string[]): string {
  const checks = results.scenarios.flatMap((s) => s.targets);
  const passed = checks.filter((c) => c.pass).length;
  const lines = [
    '# promgate vs HAProxy and the bare-Node limits',
    '',
    `Run started ${results.startedAt}${results.finishedAt !== undefined ? `, finished ${results.finishedAt}` : ''}.`,
    '',
    `Machine: ${machineLine(results.machine)}.`,
    '',
    checks.length === 0 ? 'No goals were checked.' : `**Goals: ${passed}/${checks.length} met${passed === checks.length ? '' : ' — FAIL'}.**`,
    '',
    ...summaryTable(results.scenarios),
    ...charts(chartPaths.overview ?? []),
    ...results.scenarios.flatMap((s) => scenarioSection(s, scenarioCharts(chartPaths, s.scenario))),
    '## How to reproduce',
    '',
    ...(argv !== undefined ? ['This report was made by:', '', '```sh', `npm run build && ${benchCommand(argv)}`, '```', ''] : []),
    `\`${REPRODUCE}\` (no flags) starts the Prometheus replicas and, per run, promgate, HAProxy or a bare-Node limit`,
    '(node-bytes: the same bytes from memory; node-proxy: forward and pipe back), interleaved round by round so drift',
    'of the machine cancels out. Rates are medians over rounds of successful requests per second; percentiles are',
    'nearest-rank over all requests, failed ones included; CPU is the target process’s own, per request.',
    '',
  ];
  return lines.join('\n');
}

const SUMMARY_HEADER = ['scenario', 'promgate rps', 'HAProxy rps', '× HAProxy', 'limit rps', 'fraction of limit', 'CPU/req promgate', 'CPU/req HAProxy', 'peak RSS', 'goal met'];

/** One row per scenario, ready to paste into the README. */
export function summaryTable(scenarios: readonly ScenarioResult[]): string[] {
  if (scenarios.length === 0) return [];
  return [row(SUMMARY_HEADER), row(SUMMARY_HEADER.map((_, i) => (i === 0 ? '---' : '--:'))), ...scenarios.map((s) => row(summaryCells(s))), ''];
}

export function summaryCells(s: ScenarioResult): string[] {
  const of = (t: TargetName | undefined): TargetResult | undefined => s.results.find((r) => r.target === t);
  const promgate = of('promgate');
  const limit = of(s.limit?.target);
  const passed = s.targets.filter((c) => c.pass).length;
  return [
    s.scenario,
    formatRps(promgate?.okRps),
    formatRps(of('haproxy')?.okRps),
    formatRatio(s.ratio),
    limit === undefined ? UNKNOWN : `${formatRps(limit.okRps)} (${limit.target})`,
    formatShare(s.limit?.share),
    cpuPerRequest(promgate),
    cpuPerRequest(of('haproxy')),
    formatBytes(promgate?.rssBytes),
    s.targets.length === 0 ? UNKNOWN : passed === s.targets.length ? `yes (${passed}/${passed})` : `**no** (${passed}/${s.targets.length})`,
  ];
}

function cpuPerRequest(r: TargetResult | undefined): string {
  return r === undefined || r.cpuSeconds === null || r.requests === 0 ? UNKNOWN : formatMs((r.cpuSeconds * 1000) / r.requests);
}

function scenarioCharts(paths: ChartPaths, scenario: string): readonly ChartRef[] {
  const map = paths.scenarios;
  return map !== undefined && Object.hasOwn(map, scenario) ? (map[scenario] ?? []) : [];
}

export function machineLine(m: MachineInfo): string {
  const parts = [`${m.cpus} × ${m.cpuModel ?? 'CPU'}`];
  if (m.totalMemBytes !== undefined) parts.push(`${formatBytes(m.totalMemBytes)} RAM`);
  parts.push(`${m.platform}/${m.arch}`, `Node ${m.node}`);
  for (const [name, version] of Object.entries(m.versions ?? {})) parts.push(`${name} ${version}`);
  return parts.map(cell).join(', ');
}

function scenarioSection(s: ScenarioResult, chartRefs: readonly ChartRef[]): string[] {
  const rounds = s.ratioPerRound.length > 0 ? ` (per round: ${s.ratioPerRound.map(formatRatio).join(', ')})` : '';
  const promgateCache = s.results.find((r) => r.target === 'promgate')?.cache;
  return [
    `## ${cell(s.scenario)}`,
    '',
    ...(s.description !== undefined ? [cell(s.description), ''] : []),
    ...table(s.results),
    '',
    `promgate / HAProxy throughput: **${formatRatio(s.ratio)}**${rounds}` +
      (s.limit !== undefined ? `; promgate as a fraction of ${s.limit.target}: **${formatShare(s.limit.share)}**` : ''),
    '',
    ...line("Range points the replicas evaluated / the clients asked (query_range grid points, from the replicas' query logs)", s.results, (r) =>
      r.rangePoints === undefined || (r.rangePoints !== null && r.rangePoints.asked === 0) ? undefined : rangePointsText(r.rangePoints),
    ),
    ...line('Answers with holes after the outage (judged against the never-stopped replica: a series misses a step it has, or a value differs)', s.results, (r) =>
      r.answerHoles === undefined ? undefined : answerHolesText(r.answerHoles),
    ),
    ...(promgateCache !== undefined ? [`promgate cache at the end of a run, by its own accounting: ${cacheText(promgateCache)}`, ''] : []),
    ...(s.targets.length > 0 ? [...s.targets.map(checkLine), ''] : []),
    ...charts(chartRefs),
  ];
}

const HEADER = ['target', 'rounds', 'requests', 'ok rps', 'p50', 'p90', 'p99', 'max', 'failures', 'upstream evals', 'evals/req', 'CPU/req', 'peak RSS'];

function table(results: readonly TargetResult[]): string[] {
  if (results.length === 0) return ['No runs recorded.'];
  return [row(HEADER), row(HEADER.map((_, i) => (i === 0 ? '---' : '---:'))), ...results.map((r) => row(targetCells(r)))];
}

function targetCells(r: TargetResult): string[] {
  const evals = r.upstreamEvaluations === null || r.requests === 0 ? null : r.upstreamEvaluations / r.requests;
  return [
    r.target,
    String(r.rounds),
    formatCount(r.requests),
    formatRps(r.okRps),
    formatMs(r.latency.p50),
    formatMs(r.latency.p90),
    formatMs(r.latency.p99),
    formatMs(r.latency.max),
    formatCount(r.failures),
    formatCount(r.upstreamEvaluations),
    evals === null ? UNKNOWN : evals.toFixed(3),
    cpuPerRequest(r),
    formatBytes(r.rssBytes),
  ];
}

/** "title: promgate X, haproxy Y" over the targets that have the value; nothing when none has. */
function line(title: string, results: readonly TargetResult[], text: (r: TargetResult) => string | undefined): string[] {
  const parts = results.flatMap((r) => {
    const t = text(r);
    return t === undefined ? [] : [`${cell(r.target)} ${t}`];
  });
  return parts.length === 0 ? [] : [`${title}: ${parts.join(', ')}`, ''];
}

export function rangePointsText(p: RangePoints | null): string {
  if (p === null) return 'not measured';
  return `**${formatShare(p.share)}** (${formatCount(p.evaluated)} / ${formatCount(p.asked)})`;
}

export function answerHolesText(a: AnswerHoles): string {
  return `**${formatShare(a.share)}** (${formatCount(a.withHoles)} / ${formatCount(a.answers)}${a.failed > 0 ? `; ${formatCount(a.failed)} not answered` : ''})`;
}

export function cacheText(c: CacheBytes | null): string {
  return c === null ? 'not measured' : `${formatBytes(c.bytes)} of cache.max_bytes ${formatBytes(c.maxBytes)} (peak over rounds)`;
}

export function checkLine(c: TargetCheck): string {
  return `- **${c.pass ? 'PASS' : 'FAIL'}** ${cell(c.name)}: wanted ${cell(c.wanted)}, measured ${formatMeasured(c.measured, c.unit)}`;
}

function charts(refs: readonly ChartRef[]): string[] {
  if (refs.length === 0) return [];
  return [...refs.map((r) => `![${cell(r.title).replace(/[[\]]/g, (c) => `\\${c}`)}](${linkPath(r.path)})`), ''];
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(cell).join(' | ')} |`;
}

/** Table-safe: pipes escaped, line breaks flattened, so a label cannot break the table. */
function cell(s: string): string {
  return s.replace(/\r?\n|\r/g, ' ').replace(/\|/g, '\\|');
}

/** Spaces and parentheses would end a Markdown link destination early. */
function linkPath(p: string): string {
  return encodeURI(p).replace(/\(/g, '%28').replace(/\)/g, '%29');
}
