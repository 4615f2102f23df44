import { benchCommand, formatBytes, formatCount, formatMeasured, formatMs, formatRatio, formatRps, formatShare, UNKNOWN } from './format.js';
import type { AnswerHoles, BenchResults, MachineInfo, RangePoints, ScenarioResult, TargetCheck, TargetResult } from './types.js';

/** A chart to link from the report; `path` relative to the report file. */
export interface ChartRef {
  title: string;
  path: string;
}

export interface ChartPaths {
  /** Charts about the whole run (e.g. throughput of every scenario), shown at the top. */
  overview?: readonly ChartRef[];
  /** Charts per scenario name (latency and errors over time with the faults marked). */
  scenarios?: Readonly<Record<string, readonly ChartRef[]>>;
}

export const REPRODUCE = 'npm run build && npm run bench';

/**
 * The Markdown report for a results file. Pure: same input, same text. `argv`, the bench's own
 * arguments (after `npm run bench --`), makes "How to reproduce" show the exact command line.
 */
export function renderMarkdown(results: BenchResults, chartPaths: ChartPaths = {}, argv?: readonly string[]): string {
  const checks = results.scenarios.flatMap((s) => s.targets);
  const passed = checks.filter((c) => c.pass).length;
  const lines = [
    '# promgate vs HAProxy benchmark',
    '',
    `Run started ${results.startedAt}${results.finishedAt !== undefined ? `, finished ${results.finishedAt}` : ''}.`,
    '',
    `Machine: ${machineLine(results.machine)}.`,
    '',
    checks.length === 0 ? 'No goals were checked.' : `**Goals: ${passed}/${checks.length} met${passed === checks.length ? '' : ' — FAIL'}.**`,
    '',
    ...charts(chartPaths.overview ?? []),
    ...results.scenarios.flatMap((s) => scenarioSection(s, scenarioCharts(chartPaths, s.scenario))),
    '## How to reproduce',
    '',
    ...(argv !== undefined ? ['This report was made by:', '', '```sh', `npm run build && ${benchCommand(argv)}`, '```', ''] : []),
    `\`${REPRODUCE}\` (no flags) starts the Prometheus replicas, HAProxy and promgate on loopback and runs every`,
    'scenario against both, interleaved (A B A B) so drift of the machine cancels out.',
    'Rates are medians over rounds; the ratio compares successful requests per second;',
    'percentiles are nearest-rank over all requests, failed ones included.',
    '',
  ];
  return lines.join('\n');
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
  return [
    `## ${cell(s.scenario)}`,
    '',
    ...(s.description !== undefined ? [cell(s.description), ''] : []),
    ...table(s.results),
    '',
    ratioLine(s),
    '',
    ...rangePointsLines(s.results),
    ...answerHolesLines(s.results),
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
  const perRequest = (v: number | null): number | null => (v === null || r.requests === 0 ? null : v / r.requests);
  const cpuMs = perRequest(r.cpuSeconds);
  const evals = perRequest(r.upstreamEvaluations);
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
    cpuMs === null ? UNKNOWN : formatMs(cpuMs * 1000),
    formatBytes(r.rssBytes),
  ];
}

function ratioLine(s: ScenarioResult): string {
  const rounds = s.ratioPerRound.length > 0 ? ` (per round: ${s.ratioPerRound.map(formatRatio).join(', ')})` : '';
  return `promgate / HAProxy throughput (ok rps, median of rounds): **${formatRatio(s.ratio)}**${rounds}`;
}

/**
 * One line per scenario that asked for ranges: the share of the range points asked that the
 * replicas evaluated, per target. Nothing for scenarios of instant queries or older results.
 */
function rangePointsLines(results: readonly TargetResult[]): string[] {
  const shown = results.filter((r) => r.rangePoints !== undefined);
  if (shown.length === 0 || !shown.some((r) => r.rangePoints === null || r.rangePoints!.asked > 0)) return [];
  const part = (r: TargetResult): string => `${cell(r.target)} ${rangePointsText(r.rangePoints!)}`;
  return [`Range points the replicas evaluated / the clients asked (query_range grid points, from the replicas' query logs): ${shown.map(part).join(', ')}`, ''];
}

export function rangePointsText(p: RangePoints | null): string {
  if (p === null) return 'not measured';
  return `**${formatShare(p.share)}** (${formatCount(p.evaluated)} / ${formatCount(p.asked)})`;
}

/** One line for a scenario that judged answers (outage): the share with holes, per target. */
function answerHolesLines(results: readonly TargetResult[]): string[] {
  const shown = results.filter((r) => r.answerHoles !== undefined);
  if (shown.length === 0) return [];
  const part = (r: TargetResult): string => `${cell(r.target)} ${answerHolesText(r.answerHoles!)}`;
  return [`Answers with holes after the outage (judged against the never-stopped replica: a series misses a step it has, or a value differs): ${shown.map(part).join(', ')}`, ''];
}

export function answerHolesText(a: AnswerHoles): string {
  return `**${formatShare(a.share)}** (${formatCount(a.withHoles)} / ${formatCount(a.answers)}${a.failed > 0 ? `; ${formatCount(a.failed)} not answered` : ''})`;
}

export function checkLine(c: TargetCheck): string {
  return `- **${c.pass ? 'PASS' : 'FAIL'}** ${cell(c.name)}: wanted ${cell(c.wanted)}, measured ${formatMeasured(c.measured, c.unit)}`;
}

function charts(refs: readonly ChartRef[]): string[] {
  if (refs.length === 0) return [];
  return [...refs.map((r) => `![${altText(r.title)}](${linkPath(r.path)})`), ''];
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(cell).join(' | ')} |`;
}

/** Table-safe: pipes escaped, line breaks flattened, so a label cannot break the table. */
function cell(s: string): string {
  return s.replace(/\r?\n|\r/g, ' ').replace(/\|/g, '\\|');
}

function altText(s: string): string {
  return cell(s).replace(/[[\]]/g, (c) => `\\${c}`);
}

/** Spaces and parentheses would end a Markdown link destination early. */
function linkPath(p: string): string {
  return encodeURI(p).replace(/\(/g, '%28').replace(/\)/g, '%29');
}
