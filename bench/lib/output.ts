/**
 * Writes a run's results: results.json, report.md and SVG charts into <root>/<timestamp>/, then
 * copies them to <root>/latest/ (replacing what was there).
 */
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderMarkdown, type ChartPaths, type ChartRef } from './report.js';
import { barChart, lineChart } from './svg.js';
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

/** A throughput chart over every scenario, and a latency-over-time chart per scenario with its faults marked. Pure. */
export function buildCharts(results: BenchResults): { charts: Chart[]; paths: ChartPaths } {
  const title = 'Throughput per scenario (ok requests/s, median of rounds)';
  const groups = results.scenarios.map((s) => ({ label: s.scenario, bars: s.results.map((r) => ({ name: r.target, value: r.okRps })) }));
  const charts: Chart[] = [{ file: 'throughput.svg', title, svg: barChart(title, 'ok requests/s', groups) }];
  const scenarios: Record<string, ChartRef[]> = {};
  for (const s of results.scenarios) {
    const c = latencyChart(s);
    charts.push(c);
    scenarios[s.scenario] = [{ title: c.title, path: c.file }];
  }
  return { charts, paths: { overview: [{ title, path: 'throughput.svg' }], scenarios } };
}

function latencyChart(s: ScenarioResult): Chart {
  const title = `${s.scenario}: p99 latency over time (round 1, by request start)`;
  const series = s.results.map((r) => ({ name: `${r.target} p99`, points: r.buckets.map((b) => [b.startMs / 1000, b.p99] as const) }));
  const markers = (s.results.find((r) => r.events.length > 0)?.events ?? []).map((e) => ({ x: e.atMs / 1000, label: e.label }));
  return { file: `${s.scenario.replace(/[^\w.-]+/g, '_')}-latency.svg`, title, svg: lineChart(title, 'time (s)', 'p99 latency (ms)', series, markers) };
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
