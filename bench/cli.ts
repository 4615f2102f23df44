#!/usr/bin/env node
/**
 * `npm run bench`: promgate vs HAProxy and vs the bare-Node limits. Argument parsing and
 * orchestration only; the pieces are in bench/lib and bench/scenarios. Goals are printed as
 * PASS/FAIL and never fail the process: exit 0 when the bench ran, 1 when it could not, 2 on a
 * usage error.
 */
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { aggregateScenario } from './lib/aggregate.js';
import { BENCH_USAGE, parseBenchArgs, type BenchOptions } from './lib/args.js';
import type { Environment } from './lib/environment.js';
import { formatMs, formatRatio, formatRps, formatShare } from './lib/format.js';
import { startLocalEnvironment } from './lib/local-environment.js';
import { timestampDir, writeResults } from './lib/output.js';
import { repoRoot } from './lib/paths.js';
import { remoteEnvironment } from './lib/remote-environment.js';
import { answerHolesText, checkLine, rangePointsText } from './lib/report.js';
import { runScenario } from './lib/run-scenario.js';
import type { RunData } from './lib/scenario-spec.js';
import type { BenchResults, ScenarioResult } from './lib/types.js';
import { scenarioFor } from './scenarios/index.js';

export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseBenchArgs(argv);
  if (parsed.kind === 'help') {
    process.stdout.write(BENCH_USAGE);
    return 0;
  }
  if (parsed.kind === 'usage-error') {
    process.stderr.write(`bench: ${parsed.message}\n\n${BENCH_USAGE}`);
    return 2;
  }
  const o = parsed.options;
  const started = new Date();
  const stamp = timestampDir(started);
  const root = o.outDir ?? join(repoRoot(), 'bench', 'results');
  const log = (line: string): void => void process.stdout.write(`${line}\n`);

  log(o.targets.length > 0 ? `bench: remote targets ${o.targets.map((t) => `${t.name}=${t.url}`).join(', ')}` : `bench: starting ${o.replicas} Prometheus replicas`);
  const env: Environment =
    o.targets.length > 0
      ? remoteEnvironment(o)
      : await startLocalEnvironment(o.replicas, started.getTime());
  const interrupt = (): void => {
    log('bench: interrupted, stopping children');
    void env.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  const scenarios: ScenarioResult[] = [];
  try {
    for (const name of o.scenarios) scenarios.push(await runOne(env, name, o, join(root, stamp, 'profile'), log));
  } finally {
    await env.close();
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }

  const results: BenchResults = {
    schemaVersion: 2,
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      ...(cpus()[0]?.model !== undefined ? { cpuModel: cpus()[0]!.model.trim() } : {}),
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      totalMemBytes: totalmem(),
      versions: env.versions,
    },
    scenarios,
  };
  const written = await writeResults(root, stamp, results, argv);
  const checks = scenarios.flatMap((s) => s.targets);
  log('');
  for (const c of checks) log(plain(checkLine(c)));
  log(`bench: goals ${checks.filter((c) => c.pass).length}/${checks.length} met`);
  log(`bench: wrote ${written.dir} (and ${written.latestDir})`);
  return 0;
}

async function runOne(env: Environment, name: BenchOptions['scenarios'][number], o: BenchOptions, profileDir: string, log: (l: string) => void): Promise<ScenarioResult> {
  const spec = scenarioFor(name);
  const scenarioStartMs = Date.now();
  const data: RunData[] = [];
  for (let round = 0; round < o.rounds; round++) {
    for (const target of env.targetsFor(spec.targets)) {
      const d = await runScenario(env, spec, target, {
        round,
        scenarioStartMs,
        durationMs: o.durationMs,
        maxRequests: o.maxRequests,
        connections: o.connections,
        cpuProfDir: o.cpuProf ? profileDir : undefined,
      });
      const s = d.run.summary;
      const points = d.run.rangePoints;
      log(
        `${spec.name} round ${round + 1}/${o.rounds} ${target}: ${s.requests} requests, ${formatRps(s.okRps)} ok/s, ` +
          `p50 ${formatMs(s.latency.p50)}, p99 ${formatMs(s.latency.p99)}, ${s.failures} failed, ${d.run.upstreamEvaluations ?? '?'} upstream evals` +
          (points === undefined || (points !== null && points.asked === 0) ? '' : `, range points evaluated/asked ${plain(rangePointsText(points ?? null))}`) +
          (d.run.answerHoles === undefined ? '' : `, answers with holes ${plain(answerHolesText(d.run.answerHoles))}`),
      );
      data.push(d);
    }
  }
  const result = aggregateScenario(spec, data);
  log(`${spec.name}: promgate / HAProxy ${formatRatio(result.ratio)}` + (result.limit === undefined ? '' : `, promgate / ${result.limit.target} ${formatShare(result.limit.share)}`));
  return result;
}

/** A report fragment for the terminal: without Markdown's bold. */
function plain(markdown: string): string {
  return markdown.replace(/\*\*/g, '');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error('bench: failed:', err);
      process.exit(1);
    },
  );
}
