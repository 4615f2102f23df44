import { describe, expect, it } from 'vitest';
import { checkLine, machineLine, renderMarkdown } from '../../../bench/lib/report.js';
import { RESULTS } from './fixtures.js';

describe('renderMarkdown', () => {
  const md = renderMarkdown(RESULTS, {
    overview: [{ title: 'Throughput [ok rps]', path: 'charts/throughput.svg' }],
    scenarios: {
      dashboard: [{ title: 'dashboard latency', path: 'charts/dashboard latency.svg' }],
      'failover (SIGSTOP)': [{ title: 'failover latency', path: 'charts/failover (SIGSTOP).svg' }],
    },
  });

  it('has a section with a table per scenario', () => {
    expect(md).toContain('## dashboard\n');
    expect(md).toContain('## failover (SIGSTOP)\n');
    expect(md).toContain('| target | rounds | requests | ok rps | p50 | p90 | p99 | max | failures | upstream evals | evals/req | CPU/req | peak RSS |');
    expect(md).toContain('| promgate | 2 | 144,000 | 2,400 | 4.20 ms | 9.87 ms | 31.5 ms | 120 ms | 0 | 300 | 0.002 | 0.21 ms | 95.0 MiB |');
    expect(md).toContain('| haproxy | 2 | 5,760 | 96.0 | 4.20 ms | 9.87 ms | 31.5 ms | 120 ms | 0 | 5,760 | 1.000 | – | – |');
    expect(md).toContain('| promgate | 2 | 10,000 | 500 | 5.00 ms | 12.0 ms | 1.45 s | 2.30 s | 3 |');
  });

  it('gives the ratio vs HAProxy with the per-round values', () => {
    expect(md).toContain('promgate / HAProxy throughput (ok rps, median of rounds): **25.0x** (per round: 24.1x, 25.9x)');
    expect(md).toContain('promgate / HAProxy throughput (ok rps, median of rounds): **1.02x**\n');
  });

  it('has a PASS/FAIL line per goal and a summary', () => {
    expect(md).toContain('- **PASS** dashboard throughput vs HAProxy: wanted >= 20x, measured 25.0x');
    expect(md).toContain('- **FAIL** failed requests: wanted == 0, measured 3');
    expect(md).toContain('- **FAIL** p99 while frozen: wanted < 1000 ms, measured 1450 ms');
    expect(md).toContain('- **FAIL** replica evaluations: wanted >= 1, measured not measured');
    expect(md).toContain('- **PASS** promgate: replicas evaluate under 5% of the range asked: wanted <= 0.05, measured 0.010');
    expect(md).toContain('**Goals: 2/5 met — FAIL.**');
  });

  it('links the charts, with link-safe paths and alt text', () => {
    expect(md).toContain('![Throughput \\[ok rps\\]](charts/throughput.svg)');
    expect(md).toContain('![dashboard latency](charts/dashboard%20latency.svg)');
    expect(md).toContain('![failover latency](charts/failover%20%28SIGSTOP%29.svg)');
    expect(md.indexOf('charts/throughput.svg')).toBeLessThan(md.indexOf('## dashboard'));
  });

  it('states the machine and how to reproduce', () => {
    expect(md).toContain('Machine: 8 × AMD EPYC 7B13, 16.0 GiB RAM, linux/x64, Node v20.20.2, prometheus 3.5.0, haproxy 3.0.5.');
    expect(md).toContain('`npm run build && npm run bench`');
    expect(md).not.toContain('This report was made by');
  });

  it('shows the exact command line when given the bench arguments', () => {
    const withArgv = renderMarkdown(RESULTS, {}, ['--scenarios', 'dashboard', '--chaos-stop', "ssh prom-2 'systemctl stop prometheus'"]);
    expect(withArgv).toContain(
      "## How to reproduce\n\nThis report was made by:\n\n```sh\nnpm run build && npm run bench -- --scenarios dashboard --chaos-stop 'ssh prom-2 '\\''systemctl stop prometheus'\\'''\n```\n",
    );
    expect(renderMarkdown(RESULTS, {}, [])).toContain('```sh\nnpm run build && npm run bench\n```');
  });

  it('gives the share of the range points asked that the replicas evaluated, per scenario', () => {
    expect(md).toContain(
      "Range points the replicas evaluated / the clients asked (query_range grid points, from the replicas' query logs): " +
        'promgate **1.00%** (1,729,200 / 172,920,000), haproxy **100.2%** (6,930,630 / 6,916,800)\n',
    );
    expect(md).toContain('): promgate not measured, haproxy not measured\n');
    const noRanges = renderMarkdown({
      ...RESULTS,
      scenarios: [{ ...RESULTS.scenarios[0]!, results: RESULTS.scenarios[0]!.results.map((r) => ({ ...r, rangePoints: { asked: 0, evaluated: 0, share: null } })) }],
    });
    expect(noRanges).not.toContain('Range points');
  });

  it('gives the share of answers with holes per target when the scenario judged answers, and nothing otherwise', () => {
    const outage = RESULTS.scenarios[0]!;
    const withHoles = renderMarkdown({
      ...RESULTS,
      scenarios: [
        {
          ...outage,
          scenario: 'outage',
          results: [
            { ...outage.results[0]!, answerHoles: { answers: 36, withHoles: 0, failed: 0, share: 0 } },
            { ...outage.results[1]!, answerHoles: { answers: 35, withHoles: 18, failed: 1, share: 18 / 35 } },
          ],
        },
      ],
    });
    expect(withHoles).toContain(
      'Answers with holes after the outage (judged against the never-stopped replica: a series misses a step it has, or a value differs): ' +
        'promgate **0%** (0 / 36), haproxy **51.4%** (18 / 35; 1 not answered)\n',
    );
    expect(md).not.toContain('Answers with holes');
  });

  it('keeps a pipe in a description from breaking the layout', () => {
    expect(md).toContain('heavy range panels \\| sliding windows');
  });

  it('is deterministic and never prints NaN or undefined', () => {
    expect(renderMarkdown(RESULTS, {})).toBe(renderMarkdown(structuredClone(RESULTS), {}));
    expect(md).not.toMatch(/NaN|undefined|Infinity|null/);
  });

  it('renders an empty run', () => {
    const empty = renderMarkdown({ ...RESULTS, finishedAt: undefined, scenarios: [] });
    expect(empty).toContain('No goals were checked.');
    expect(empty).toContain('Run started 2025-06-01T10:00:00.000Z.');
    expect(empty).not.toContain('![');
  });

  it('says so when a scenario has no runs, and ignores charts for unknown scenarios', () => {
    const md2 = renderMarkdown(
      { ...RESULTS, scenarios: [{ scenario: 'burst', results: [], ratio: null, ratioPerRound: [], targets: [] }] },
      { scenarios: { other: [{ title: 'x', path: 'x.svg' }], toString: [] } as never },
    );
    expect(md2).toContain('No runs recorded.');
    expect(md2).toContain('**–**');
    expect(md2).not.toContain('x.svg');
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
