/**
 * Writes a run's results: results.json, report.md and SVG charts into <root>/<timestamp>/, then
 * copies them to <root>/latest/ (replacing what was there).
 */
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderMarkdown, type ChartPaths, type ChartRef } from './report.js';
import { barChart, lineChart, type LineSeries } from './svg.js';
import type { BenchResults, ScenarioResult } from './types.js';

export interface Chart {
  file: string;
  title: string;
  svg: string;
}

/** Filesystem-safe and sortable: 2026-11-21T04-46-23Z. */
export function timestampDir(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

const safe = (name: string): string => name.replace(/[^\w.-]+/g, '_');

/** Charts for the results, and where the report links them. Pure. */
export function buildCharts(results: BenchResults): { charts: Chart[]; paths: ChartPaths } {
  const charts: Chart[] = [];
  const scenarios: Record<string, ChartRef[]> = {};
  const throughput: Chart = {
    file: 'throughput.svg',
    title: 'Throughput per scenario (ok requests/s, median of rounds)',
    svg: barChart({
      title: 'Throughput per scenario (ok requests/s, median of rounds)',
      yLabel: 'ok requests/s',
      groups: results.scenarios.map((s) => ({ label: s.scenario, bars: s.results.map((r) => ({ name: r.target, value: r.okRps })) })),
    }),
  };
  charts.push(throughput);
  for (const s of results.scenarios) {
    const own = [latencyChart(s), errorChart(s)];
    charts.push(...own);
    scenarios[s.scenario] = own.map((c) => ({ title: c.title, path: c.file }));
  }
  return { charts, paths: { overview: [{ title: throughput.title, path: throughput.file }], scenarios } };
}

function markers(s: ScenarioResult): Array<{ x: number; label: string }> {
  const first = s.results.find((r) => r.events.length > 0);
  return (first?.events ?? []).map((e) => ({ x: e.atMs / 1000, label: e.label }));
}

function latencyChart(s: ScenarioResult): Chart {
  const series: LineSeries[] = s.results.flatMap((r) => [
    { name: `${r.target} p99`, points: r.buckets.map((b) => [b.startMs / 1000, b.p99] as const) },
    { name: `${r.target} p50`, points: r.buckets.map((b) => [b.startMs / 1000, b.p50] as const), dashed: true },
  ]);
  const title = `${s.scenario}: latency over time (round 1, by request start)`;
  return {
    file: `${safe(s.scenario)}-latency.svg`,
    title,
    svg: lineChart({ title, xLabel: 'time (s)', yLabel: 'latency (ms)', yLog: true, series, markers: markers(s) }),
  };
}

function errorChart(s: ScenarioResult): Chart {
  const series: LineSeries[] = s.results.map((r) => ({
    name: `${r.target} failed`,
    points: r.buckets.map((b) => [b.startMs / 1000, (b.failures * 1000) / Math.max(1, b.endMs - b.startMs)] as const),
  }));
  const title = `${s.scenario}: failed requests per second (round 1)`;
  return {
    file: `${safe(s.scenario)}-errors.svg`,
    title,
    svg: lineChart({ title, xLabel: 'time (s)', yLabel: 'failed requests/s', series, markers: markers(s) }),
  };
}

export interface WrittenResults {
  dir: string;
  latestDir: string;
  files: string[];
}

/** `argv`: the bench's arguments, shown in the report as the command that made it. */
export async function writeResults(root: string, stamp: string, results: BenchResults, argv?: readonly string[]): Promise<WrittenResults> {
  const dir = join(root, stamp);
  await mkdir(dir, { recursive: true });
  const { charts, paths } = buildCharts(results);
  const files: Array<[string, string]> = [
    ['results.json', `${JSON.stringify(results, null, 2)}\n`],
    ['report.md', renderMarkdown(results, paths, argv)],
    ...charts.map((c): [string, string] => [c.file, c.svg]),
  ];
  for (const [name, text] of files) await writeFile(join(dir, name), text);
  const latestDir = join(root, 'latest');
  await rm(latestDir, { recursive: true, force: true });
  await mkdir(latestDir, { recursive: true });
  for (const [name] of files) await cp(join(dir, name), join(latestDir, name));
  return { dir, latestDir, files: files.map(([name]) => name) };
}
