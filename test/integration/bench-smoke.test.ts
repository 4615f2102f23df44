// The whole bench, end to end, in CI-smoke size: real Prometheus replicas, HAProxy, promgate and
// the bare-Node limits on loopback, the --quick scenarios, one short round. Proves `npm run bench`
// runs and writes results that parse; the numbers themselves are meaningless at this size.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUICK_SCENARIOS } from '../../bench/lib/args.js';
import type { BenchResults } from '../../bench/lib/types.js';
import { scenarioFor } from '../../bench/scenarios/index.js';
import { requirePrometheus } from '../helpers/require-prometheus.js';
import { checkXml } from '../unit/bench/xml-check.js';

const execFileP = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

function haproxyInstalled(): boolean {
  try {
    execFileSync('haproxy', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

requirePrometheus();
// Like Prometheus: missing haproxy is a failure, never a skip.
if (!haproxyInstalled()) {
  throw new Error('haproxy not found on PATH; the bench compares against it (apt-get install -y haproxy).');
}

describe('npm run bench -- --quick', () => {
  let out: string;
  let stdout = '';

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'promgate-bench-smoke-'));
    // The bench runs from dist (promgate as a child process), so build exactly as `npm run build` does.
    await execFileP(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT });
    const res = await execFileP(
      process.execPath,
      [join(ROOT, 'dist', 'bench', 'cli.js'), '--quick', '--duration', '2s', '--rounds', '1', '--replicas', '2', '--out-dir', out],
      { cwd: ROOT, timeout: 90_000, maxBuffer: 16 * 1024 * 1024 },
    );
    stdout = res.stdout;
  }, 180_000);

  afterAll(async () => {
    if (out !== undefined && process.env.PROMGATE_KEEP_TMP !== '1') await rm(out, { recursive: true, force: true });
  });

  it('writes results.json with every --quick scenario, its targets, and requests, CPU and RSS for each', async () => {
    const results = JSON.parse(await readFile(join(out, 'latest', 'results.json'), 'utf8')) as BenchResults;
    expect(results.schemaVersion).toBe(2);
    expect(results.scenarios.map((s) => s.scenario)).toEqual([...QUICK_SCENARIOS]);
    for (const s of results.scenarios) {
      expect(s.results.map((r) => r.target), s.scenario).toEqual(scenarioFor(s.scenario as never).targets);
      for (const r of s.results) {
        expect(r.requests, `${s.scenario}/${r.target}`).toBeGreaterThan(0);
        expect(r.cpuSeconds, `${s.scenario}/${r.target} CPU`).not.toBeNull();
        expect(r.rssBytes, `${s.scenario}/${r.target} RSS`).toBeGreaterThan(0);
        expect(r.upstreamEvaluations, `${s.scenario}/${r.target} evaluations`).not.toBeNull();
      }
      const cache = s.results[0]!.cache;
      expect(cache?.bytes, `${s.scenario} promgate cache`).toBeLessThanOrEqual(cache!.maxBytes);
    }
    for (const name of ['dashboard', 'miss']) expect(results.scenarios.find((s) => s.scenario === name)!.limit?.share, `${name} limit`).toBeGreaterThan(0);
    for (const name of ['dashboard', 'grafana-refresh']) {
      for (const r of results.scenarios.find((s) => s.scenario === name)!.results.filter((r) => r.target !== 'node-bytes')) {
        expect(r.rangePoints?.asked, `${name}/${r.target} range points asked`).toBeGreaterThan(0);
        expect(r.rangePoints?.evaluated, `${name}/${r.target} range points evaluated`).toBeGreaterThan(0);
      }
    }
    const kill = results.scenarios.find((s) => s.scenario === 'failover-kill')!;
    expect(kill.results[0]!.events.map((e) => e.kind)).toEqual(['fault', 'resume', 'restart']);
    expect(stdout).toMatch(/goals \d+\/\d+ met/);
  });

  it('writes the Markdown report and well-formed SVG charts, also under a timestamped dir', async () => {
    const report = await readFile(join(out, 'latest', 'report.md'), 'utf8');
    expect(report).toMatch(/^# promgate vs HAProxy and the bare-Node limits/);
    expect(report).toContain('| scenario | promgate rps | HAProxy rps | × HAProxy | limit rps | fraction of limit |');
    for (const name of QUICK_SCENARIOS) expect(report).toContain(`## ${name}`);
    const files = await readdir(join(out, 'latest'));
    const svgs = files.filter((f) => f.endsWith('.svg'));
    expect(svgs).toContain('throughput.svg');
    expect(svgs.length).toBe(1 + QUICK_SCENARIOS.length);
    for (const f of svgs) expect(checkXml(await readFile(join(out, 'latest', f), 'utf8')), f).toEqual([]);
    for (const ref of report.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) expect(files, ref[1]).toContain(decodeURI(ref[1]!));
    const stamped = (await readdir(out)).filter((d) => d !== 'latest');
    expect(stamped).toHaveLength(1);
    expect(existsSync(join(out, stamped[0]!, 'results.json'))).toBe(true);
  });
});
