import { describe, expect, it } from 'vitest';
import { cacheText, checkLine, machineLine, renderMarkdown, summaryCells, summaryTable } from '../../../bench/lib/report.js';
import type { ScenarioResult } from '../../../bench/lib/types.js';
import { RESULTS } from './fixtures.js';

describe('the summary table (one row per scenario, for the README)', () => {
  it('has the README columns', () => {
    expect(summaryTable(RESULTS.scenarios)[0]).toBe(
      '| scenario | promgate rps | HAProxy rps | × HAProxy | limit rps | fraction of limit | CPU/req promgate | CPU/req HAProxy | peak RSS | goal met |',
    );
    expect(summaryTable([])).toEqual([]);
  });

  const [dashboard, failover] = RESULTS.scenarios as [ScenarioResult, ScenarioResult];
  it.each<[string, ScenarioResult, string[]]>([
    ['a scenario with a limit, goals met', dashboard, ['dashboard', '12,000', '96.0', '125.0x', '20,000 (node-bytes)', '60.0%', '0.20 ms', '–', '95.0 MiB', 'yes (2/2)']],
    ['one without a limit, goals missed', failover, ['failover (SIGSTOP)', '500', '500', '1.02x', '–', '–', '1.20 ms', '1.20 ms', '95.0 MiB', '**no** (0/3)']],
    ['one without goals or HAProxy', { ...dashboard, results: dashboard.results.slice(0, 1), ratio: null, limit: undefined, targets: [] }, ['dashboard', '12,000', '–', '–', '–', '–', '0.20 ms', '–', '95.0 MiB', '–']],
  ])('%s', (_, s, cells) => {
    expect(summaryCells(s)).toEqual(cells);
  });
});

describe('renderMarkdown', () => {
  const md = renderMarkdown(RESULTS, {
    overview: [{ title: 'Throughput [ok rps]', path: 'charts/throughput.svg' }],
    scenarios: {
      dashboard: [{ title: 'dashboard latency', path: 'charts/dashboard latency.svg' }],
      'failover (SIGSTOP)': [{ title: 'failover latency', path: 'charts/failover (SIGSTOP).svg' }],
    },
  });

  it('puts the summary first, then a section with a table per target per scenario', () => {
    expect(md.indexOf('| scenario | promgate rps')).toBeLessThan(md.indexOf('## dashboard'));
    expect(md).toContain('| target | rounds | requests | ok rps | p50 | p90 | p99 | max | failures | upstream evals | evals/req | CPU/req | peak RSS |');
    expect(md).toContain('| promgate | 2 | 150,000 | 12,000 | 4.20 ms | 9.87 ms | 31.5 ms | 120 ms | 0 | 300 | 0.002 | 0.20 ms | 95.0 MiB |');
    expect(md).toContain('| haproxy | 2 | 5,760 | 96.0 | 4.20 ms | 9.87 ms | 31.5 ms | 120 ms | 0 | 5,760 | 1.000 | – | – |');
    expect(md).toContain('| node-bytes | 2 | 400,000 | 20,000 |');
    expect(md).toContain('| promgate | 2 | 10,000 | 500 | 5.00 ms | 12.0 ms | 1.45 s | 2.30 s | 3 |');
  });

  it('gives the ratio vs HAProxy with the per-round values, and the fraction of the limit', () => {
    expect(md).toContain('promgate / HAProxy throughput: **125.0x** (per round: 124.1x, 125.9x); promgate as a fraction of node-bytes: **60.0%**\n');
    expect(md).toContain('promgate / HAProxy throughput: **1.02x**\n');
  });

  it("states promgate's cache against cache.max_bytes", () => {
    expect(md).toContain('promgate cache at the end of a run, by its own accounting: 12.0 MiB of cache.max_bytes 256 MiB (peak over rounds)');
    expect(md).toContain('promgate cache at the end of a run, by its own accounting: not measured');
    expect(cacheText({ bytes: 0, maxBytes: 1024 })).toBe('0 B of cache.max_bytes 1.0 KiB (peak over rounds)');
  });

  it('has a PASS/FAIL line per goal and a summary', () => {
    expect(md).toContain('- **PASS** static dashboard throughput vs HAProxy: wanted >= 100x, measured 125.0x');
    expect(md).toContain('- **FAIL** failed requests: wanted == 0, measured 3');
    expect(md).toContain('- **FAIL** p99 while frozen: wanted < 1000 ms, measured 1450 ms');
    expect(md).toContain('- **FAIL** replica evaluations: wanted >= 1, measured not measured');
    expect(md).toContain('**Goals: 2/5 met — FAIL.**');
  });

  it('gives the share of the range points asked that the replicas evaluated', () => {
    expect(md).toContain(
      "Range points the replicas evaluated / the clients asked (query_range grid points, from the replicas' query logs): " +
        'promgate **1.00%** (1,729,200 / 172,920,000), haproxy **100.2%** (6,930,630 / 6,916,800), node-bytes **0%** (0 / 1)\n',
    );
    expect(md).toContain('): promgate not measured, haproxy not measured\n');
  });

  it('gives the share of answers with holes only when the scenario judged answers', () => {
    const s = RESULTS.scenarios[1]!;
    const outage = renderMarkdown({ ...RESULTS, scenarios: [{ ...s, results: [{ ...s.results[0]!, answerHoles: { answers: 35, withHoles: 18, failed: 1, share: 18 / 35 } }] }] });
    expect(outage).toContain('a value differs): promgate **51.4%** (18 / 35; 1 not answered)\n');
    expect(md).not.toContain('Answers with holes');
  });

  it('links the charts with link-safe paths and alt text', () => {
    expect(md).toContain('![Throughput \\[ok rps\\]](charts/throughput.svg)');
    expect(md).toContain('![dashboard latency](charts/dashboard%20latency.svg)');
    expect(md).toContain('![failover latency](charts/failover%20%28SIGSTOP%29.svg)');
  });

  it('states the machine and how to reproduce, with the exact command line when given', () => {
    expect(md).toContain('Machine: 8 × AMD EPYC 7B13, 16.0 GiB RAM, linux/x64, Node v20.20.2, prometheus 3.5.0, haproxy 3.0.5.');
    expect(md).not.toContain('This report was made by');
    expect(renderMarkdown(RESULTS, {}, ['--scenarios', 'dashboard', '--chaos-stop', "ssh p 'stop'"])).toContain(
      "```sh\nnpm run build && npm run bench -- --scenarios dashboard --chaos-stop 'ssh p '\\''stop'\\'''\n```\n",
    );
  });

  it('keeps a pipe in a description from breaking the layout, and is deterministic without NaN', () => {
    expect(md).toContain('heavy range panels \\| fixed windows');
    expect(renderMarkdown(RESULTS, {})).toBe(renderMarkdown(structuredClone(RESULTS), {}));
    expect(md).not.toMatch(/NaN|undefined|Infinity|null/);
  });

  it('renders an empty run and a scenario without runs', () => {
    expect(renderMarkdown({ ...RESULTS, finishedAt: undefined, scenarios: [] })).toContain('No goals were checked.');
    const none = renderMarkdown({ ...RESULTS, scenarios: [{ scenario: 'burst', results: [], ratio: null, ratioPerRound: [], targets: [] }] }, { scenarios: { toString: [] } as never });
    expect(none).toContain('No runs recorded.');
  });
});

describe('machineLine and checkLine', () => {
  it('leaves out what is unknown', () => {
    expect(machineLine({ cpus: 2, node: 'v20.1.0', platform: 'darwin', arch: 'arm64' })).toBe('2 × CPU, darwin/arm64, Node v20.1.0');
  });

  it('formats a plain count goal', () => {
    expect(checkLine({ name: 'failed requests', wanted: '== 0', measured: 0, pass: true })).toBe('- **PASS** failed requests: wanted == 0, measured 0');
  });
});
