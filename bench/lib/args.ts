/**
 * The bench CLI's arguments. Pure: argv in, options or a usage error out; nothing here touches
 * the process, so every rule is unit-tested.
 */
import { parseArgs } from 'node:util';
import { parsePrometheusStep } from '../../src/query/index.js';

/** Every scenario, in the order a default run goes through them. */
export const ALL_SCENARIOS = ['dashboard', 'grafana-refresh', 'miss', 'failover-kill', 'failover-freeze', 'failover-slow', 'burst', 'outage'] as const;
export type ScenarioName = (typeof ALL_SCENARIOS)[number];
/**
 * What --quick runs unless --scenarios names others: one of each kind of target (node-bytes,
 * node-proxy), the virtual clock and a real fault with its restart, in CI-smoke time (the other
 * failovers repeat kill's machinery; outage waits out a restarted Prometheus's first scrape).
 */
export const QUICK_SCENARIOS: readonly ScenarioName[] = ['dashboard', 'grafana-refresh', 'miss', 'failover-kill'];

/** `failover` on the command line means every failover variant the environment can run. */
const FAILOVER_VARIANTS: readonly ScenarioName[] = ['failover-kill', 'failover-freeze', 'failover-slow'];
/** Scenarios that need replicas of our own: to signal or slow, or (outage) to judge answers against. */
const LOCAL_ONLY: readonly ScenarioName[] = ['failover-freeze', 'failover-slow', 'outage'];
/** Scenarios that fail one replica while another serves. */
const NEEDS_TWO_REPLICAS: readonly ScenarioName[] = [...FAILOVER_VARIANTS, 'outage'];

export interface TargetUrl {
  name: string;
  url: string;
}

export interface BenchOptions {
  /** Length of one run (one target, one round, one scenario). */
  durationMs: number;
  rounds: number;
  scenarios: ScenarioName[];
  /** Overrides every scenario's own concurrency when set. */
  connections: number | undefined;
  quick: boolean;
  /** Local mode: how many Prometheus replicas to start. */
  replicas: number;
  /** Remote mode when non-empty: the front ends to compare (nothing is started). */
  targets: TargetUrl[];
  /** Remote mode: replicas whose /metrics give upstream evaluation counts. */
  replicaUrls: string[];
  chaosStop: string | undefined;
  chaosStart: string | undefined;
  /** Where results/<timestamp>/ and results/latest/ go; default <repo>/bench/results. */
  outDir: string | undefined;
  cpuProf: boolean;
  /** Hard cap on requests per run, so a run is bounded in count as well as time. */
  maxRequests: number;
}

export type ParsedBenchArgs = { kind: 'help' } | { kind: 'run'; options: BenchOptions } | { kind: 'usage-error'; message: string };

export const DEFAULT_DURATION_MS = 10_000;
export const QUICK_DURATION_MS = 2_000;
const DEFAULT_MAX_REQUESTS = 2_000_000;

export const BENCH_USAGE = `usage: npm run bench -- [flags]

Local mode (default): starts Prometheus replicas, then per run promgate, HAProxy or a bare-Node
limit (node-bytes, node-proxy) on 127.0.0.1, and compares them.
Remote mode: --promgate URL --haproxy URL (or --target [name=]URL, repeatable) benches your deployment.

  --duration D          each run: a Prometheus duration or seconds, 100ms to 1h (default 10s; --quick 2s)
  --rounds N            interleaved rounds per scenario (default 2; --quick 1)
  --scenarios LIST      comma list of ${ALL_SCENARIOS.join(',')}
                        (failover = its three variants). Default: all (--quick: ${QUICK_SCENARIOS.join(',')})
  --connections N       concurrent connections for every scenario (default: per scenario)
  --replicas N          local replicas to start (default 2)
  --quick               tiny runs for CI smoke tests
  --max-requests N      cap per run (default ${DEFAULT_MAX_REQUESTS})
  --out-dir DIR         results root (default bench/results)
  --cpu-prof            run promgate under node --cpu-prof for the miss scenario (local mode)
  --promgate URL        remote promgate
  --haproxy URL         remote HAProxy (or any baseline)
  --target [name=]URL   remote target, repeatable
  --replica URL         remote replica to read evaluation counters from, repeatable
  --chaos-stop CMD      shell command that stops one replica (remote failover-kill)
  --chaos-start CMD     shell command that starts it again
  --help
`;

const text = { type: 'string' } as const;
const many = { type: 'string', multiple: true } as const;
const flag = { type: 'boolean' } as const;
const OPTIONS = {
  duration: text,
  rounds: text,
  scenarios: text,
  connections: text,
  replicas: text,
  'max-requests': text,
  'out-dir': text,
  promgate: many,
  haproxy: many,
  target: many,
  replica: many,
  'chaos-stop': text,
  'chaos-start': text,
  quick: flag,
  'cpu-prof': flag,
  help: flag,
} as const;

export function parseBenchArgs(argv: readonly string[]): ParsedBenchArgs {
  if (argv.includes('--help')) return { kind: 'help' };
  try {
    const { values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false });
    return { kind: 'run', options: resolve(values) };
  } catch (err) {
    return { kind: 'usage-error', message: (err as Error).message };
  }
}

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

function resolve(v: Values): BenchOptions {
  const quick = v.quick === true;
  const targets = [
    ...(v.target ?? []).map((t, i) => parseTarget(t, i)),
    ...(v.promgate ?? []).map((url) => ({ name: 'promgate', url: parseUrl(url, '--promgate') })),
    ...(v.haproxy ?? []).map((url) => ({ name: 'haproxy', url: parseUrl(url, '--haproxy') })),
  ];
  const twice = targets.find((t, i) => targets.findIndex((u) => u.name === t.name) !== i);
  if (twice !== undefined) throw new Error(`target "${twice.name}" given twice`);
  const remote = targets.length > 0;
  const chaosStop = v['chaos-stop'];
  const chaosStart = v['chaos-start'];
  if ((chaosStop === undefined) !== (chaosStart === undefined)) throw new Error('--chaos-stop and --chaos-start go together');
  if (!remote && chaosStop !== undefined) throw new Error('--chaos-stop/--chaos-start are for remote targets; local runs kill their own replicas');
  const replicaUrls = (v.replica ?? []).map((u) => parseUrl(u, '--replica'));
  if (!remote && replicaUrls.length > 0) throw new Error('--replica is for remote targets; local runs count their own replicas');
  const options: BenchOptions = {
    durationMs: v.duration !== undefined ? parseDuration(v.duration) : quick ? QUICK_DURATION_MS : DEFAULT_DURATION_MS,
    rounds: v.rounds !== undefined ? parsePositiveInt(v.rounds, '--rounds', 100) : quick ? 1 : 2,
    scenarios: parseScenarios(v.scenarios, remote, chaosStop !== undefined, quick),
    connections: v.connections !== undefined ? parsePositiveInt(v.connections, '--connections', 10_000) : undefined,
    quick,
    replicas: v.replicas !== undefined ? parsePositiveInt(v.replicas, '--replicas', 16) : 2,
    targets,
    replicaUrls,
    chaosStop,
    chaosStart,
    outDir: v['out-dir'],
    cpuProf: v['cpu-prof'] === true,
    maxRequests: v['max-requests'] !== undefined ? parsePositiveInt(v['max-requests'], '--max-requests', 1e9) : DEFAULT_MAX_REQUESTS,
  };
  if (remote && options.cpuProf) throw new Error('--cpu-prof needs local mode (it starts promgate itself)');
  const needsTwo = options.scenarios.find((s) => NEEDS_TWO_REPLICAS.includes(s));
  if (needsTwo !== undefined && !remote && options.replicas < 2) throw new Error(`${needsTwo} needs at least 2 replicas`);
  return options;
}

/** `name=URL` or a bare URL (named target-<n>). */
export function parseTarget(value: string, index: number): TargetUrl {
  const eq = value.indexOf('=');
  const looksNamed = eq > 0 && !/[/:]/.test(value.slice(0, eq));
  const name = looksNamed ? value.slice(0, eq) : `target-${index + 1}`;
  if (!/^[\w.-]+$/.test(name)) throw new Error(`bad target name "${name}"`);
  return { name, url: parseUrl(looksNamed ? value.slice(eq + 1) : value, '--target') };
}

/** An http(s) URL without trailing slash, so paths can be appended. */
export function parseUrl(value: string, flag: string): string {
  const url = URL.parse(value);
  if (url === null) throw new Error(`${flag}: "${value}" is not a URL`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${flag}: only http(s) URLs, got "${value}"`);
  if (url.search !== '' || url.hash !== '') throw new Error(`${flag}: no query or fragment, got "${value}"`);
  return url.href.replace(/\/+$/, '');
}

/** Read as Prometheus reads a step (`10s`, `1m30s`, `500ms`, or seconds: `7`, `2.5`), from 100 ms to 1 h. */
export function parseDuration(value: string): number {
  const ms = parsePrometheusStep(value);
  if (ms === undefined || !(ms >= 100 && ms <= 3_600_000)) throw new Error(`--duration: "${value}" is not a duration from 100ms to 1h (try 10s, 500ms, 1m)`);
  return ms;
}

function parsePositiveInt(value: string, flag: string, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= max)) throw new Error(`${flag} must be an integer in [1, ${max}], got "${value}"`);
  return n;
}

function parseScenarios(raw: string | undefined, remote: boolean, hasChaos: boolean, quick: boolean): ScenarioName[] {
  const available = (s: ScenarioName): boolean => !remote || (!LOCAL_ONLY.includes(s) && (s !== 'failover-kill' || hasChaos));
  if (raw === undefined) return (quick ? QUICK_SCENARIOS : ALL_SCENARIOS).filter(available);
  const out: ScenarioName[] = [];
  for (const part of raw.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const names = part === 'failover' ? FAILOVER_VARIANTS.filter(available) : [part];
    if (part === 'failover' && names.length === 0) throw new Error('failover against remote targets needs --chaos-stop and --chaos-start');
    for (const name of names) {
      if (!(ALL_SCENARIOS as readonly string[]).includes(name)) throw new Error(`unknown scenario "${name}" (known: failover, ${ALL_SCENARIOS.join(', ')})`);
      const scenario = name as ScenarioName;
      if (!available(scenario)) {
        throw new Error(
          scenario === 'failover-kill'
            ? 'failover-kill against remote targets needs --chaos-stop and --chaos-start'
            : `${scenario} needs local replicas (it signals, slows or judges against replicas the bench started)`,
        );
      }
      if (!out.includes(scenario)) out.push(scenario);
    }
  }
  if (out.length === 0) throw new Error('--scenarios is empty');
  return out;
}
