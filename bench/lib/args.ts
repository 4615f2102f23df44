/**
 * The bench CLI's arguments. Pure: argv in, options or a usage error out; nothing here touches
 * the process, so every rule is unit-tested.
 */

/**
 * The scenarios every run goes through unless --scenarios names others, --quick included (the CI
 * smoke test checks a --quick run against this list).
 */
export const ALL_SCENARIOS = ['miss', 'dashboard', 'failover-kill', 'failover-freeze', 'failover-slow', 'burst'] as const;
/**
 * Scenarios a default run adds after ALL_SCENARIOS but --quick leaves out, as too long for a
 * smoke test (outage waits out a restarted Prometheus's first scrape, 5 s after it starts, on
 * each run). Named in --scenarios, they run in --quick too.
 */
export const LONG_SCENARIOS = ['outage'] as const;
export type ScenarioName = (typeof ALL_SCENARIOS)[number] | (typeof LONG_SCENARIOS)[number];
const KNOWN: readonly ScenarioName[] = [...ALL_SCENARIOS, ...LONG_SCENARIOS];

/** `failover` on the command line means every failover variant the environment can run. */
const FAILOVER_VARIANTS: readonly ScenarioName[] = ['failover-kill', 'failover-freeze', 'failover-slow'];

/**
 * Scenarios that need local replicas: one we can signal or slow, or (outage) one we know the fault
 * spares, to judge answers against. A remote run can only stop/start via hooks.
 */
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
  /** Overrides every scenario's own default concurrency when set. */
  connections: number | undefined;
  quick: boolean;
  /** Local mode: how many Prometheus replicas to start. */
  replicas: number;
  /** Remote mode when non-empty: the front ends to compare (no local processes are started). */
  targets: TargetUrl[];
  /** Remote mode: replicas whose /metrics give upstream evaluation counts (optional). */
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
export const DEFAULT_ROUNDS = 2;
export const DEFAULT_MAX_REQUESTS = 2_000_000;
const MAX_DURATION_MS = 3_600_000;

export const BENCH_USAGE = `usage: npm run bench -- [flags]

Local mode (default): starts Prometheus replicas, HAProxy and promgate on 127.0.0.1 and compares them.
Remote mode: --promgate URL --haproxy URL (or --target [name=]URL, repeatable) benches your deployment.

  --duration D          length of each run: 10s, 500ms, 1m or plain seconds (default 10s; --quick 2s)
  --rounds N            A B A B rounds per scenario (default 2; --quick 1)
  --scenarios LIST      comma list of miss,dashboard,failover,outage,burst (failover = failover-kill,
                        failover-freeze,failover-slow; each may be named alone). Default: all
                        (--quick: all but outage)
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

const VALUE_FLAGS = new Set([
  'duration',
  'rounds',
  'scenarios',
  'connections',
  'replicas',
  'max-requests',
  'out-dir',
  'promgate',
  'haproxy',
  'target',
  'replica',
  'chaos-stop',
  'chaos-start',
]);
const BOOLEAN_FLAGS = new Set(['quick', 'cpu-prof', 'help']);

export function parseBenchArgs(argv: readonly string[]): ParsedBenchArgs {
  let flags: Array<[string, string]>;
  try {
    flags = tokenize(argv);
  } catch (err) {
    return { kind: 'usage-error', message: (err as Error).message };
  }
  if (flags.some(([name]) => name === 'help')) return { kind: 'help' };
  try {
    return { kind: 'run', options: resolve(flags) };
  } catch (err) {
    return { kind: 'usage-error', message: (err as Error).message };
  }
}

/** `--flag value`, `--flag=value`, `--bool`; repeated flags keep every value in order. */
function tokenize(argv: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (BOOLEAN_FLAGS.has(name)) {
      if (eq !== -1) throw new Error(`--${name} takes no value`);
      out.push([name, 'true']);
      continue;
    }
    if (!VALUE_FLAGS.has(name)) throw new Error(`unknown flag --${name}`);
    let value: string | undefined = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || (eq === -1 && value.startsWith('--'))) throw new Error(`--${name} needs a value`);
    value = value.trim();
    if (value === '') throw new Error(`--${name} needs a non-empty value`);
    out.push([name, value]);
  }
  return out;
}

function resolve(flags: Array<[string, string]>): BenchOptions {
  const last = (name: string): string | undefined => flags.filter(([n]) => n === name).at(-1)?.[1];
  const all = (name: string): string[] => flags.filter(([n]) => n === name).map(([, v]) => v);
  const quick = last('quick') !== undefined;

  const targets = [
    ...all('target').map((v, i) => parseTarget(v, i)),
    ...all('promgate').map((url) => ({ name: 'promgate', url: parseUrl(url, '--promgate') })),
    ...all('haproxy').map((url) => ({ name: 'haproxy', url: parseUrl(url, '--haproxy') })),
  ];
  const names = new Set<string>();
  for (const t of targets) {
    if (names.has(t.name)) throw new Error(`target "${t.name}" given twice`);
    names.add(t.name);
  }
  const remote = targets.length > 0;

  const chaosStop = last('chaos-stop');
  const chaosStart = last('chaos-start');
  if ((chaosStop === undefined) !== (chaosStart === undefined)) throw new Error('--chaos-stop and --chaos-start go together');
  if (!remote && chaosStop !== undefined) throw new Error('--chaos-stop/--chaos-start are for remote targets; local runs kill their own replicas');
  const replicaUrls = all('replica').map((u) => parseUrl(u, '--replica'));
  if (!remote && replicaUrls.length > 0) throw new Error('--replica is for remote targets; local runs count their own replicas');

  const durationRaw = last('duration');
  const durationMs = durationRaw !== undefined ? parseDuration(durationRaw) : quick ? QUICK_DURATION_MS : DEFAULT_DURATION_MS;
  const roundsRaw = last('rounds');
  const connectionsRaw = last('connections');
  const replicasRaw = last('replicas');
  const maxRaw = last('max-requests');
  const scenariosRaw = last('scenarios');

  const options: BenchOptions = {
    durationMs,
    rounds: roundsRaw !== undefined ? parsePositiveInt(roundsRaw, '--rounds', 100) : quick ? 1 : DEFAULT_ROUNDS,
    scenarios: parseScenarios(scenariosRaw, remote, chaosStop !== undefined, quick),
    connections: connectionsRaw !== undefined ? parsePositiveInt(connectionsRaw, '--connections', 10_000) : undefined,
    quick,
    replicas: replicasRaw !== undefined ? parsePositiveInt(replicasRaw, '--replicas', 16) : 2,
    targets,
    replicaUrls,
    chaosStop,
    chaosStart,
    outDir: last('out-dir'),
    cpuProf: last('cpu-prof') !== undefined,
    maxRequests: maxRaw !== undefined ? parsePositiveInt(maxRaw, '--max-requests', 1e9) : DEFAULT_MAX_REQUESTS,
  };
  if (remote && options.cpuProf) throw new Error('--cpu-prof needs local mode (it starts promgate itself)');
  const needsTwo = options.scenarios.find((s) => NEEDS_TWO_REPLICAS.includes(s));
  if (needsTwo !== undefined && !remote && options.replicas < 2) {
    throw new Error(`${needsTwo} needs at least 2 replicas`);
  }
  return options;
}

/** `name=URL` or a bare URL (named target-<n>). */
export function parseTarget(value: string, index: number): TargetUrl {
  const eq = value.indexOf('=');
  const looksNamed = eq > 0 && !value.slice(0, eq).includes('/') && !value.slice(0, eq).includes(':');
  const name = looksNamed ? value.slice(0, eq) : `target-${index + 1}`;
  if (!/^[\w.-]+$/.test(name)) throw new Error(`bad target name "${name}"`);
  return { name, url: parseUrl(looksNamed ? value.slice(eq + 1) : value, '--target') };
}

/** An http(s) URL without trailing slash, so paths can be appended. */
export function parseUrl(value: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${flag}: "${value}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${flag}: only http(s) URLs, got "${value}"`);
  if (url.search !== '' || url.hash !== '') throw new Error(`${flag}: no query or fragment, got "${value}"`);
  return url.href.replace(/\/+$/, '');
}

/** 10s, 1500ms, 2m, 1m30s, or a plain number of seconds. */
export function parseDuration(value: string): number {
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(value)) {
    ms = Number(value) * 1000;
  } else {
    const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
    ms = 0;
    let end = 0;
    for (let m = re.exec(value); m !== null; m = re.exec(value)) {
      const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
      ms += Number(m[1]) * unit;
      end = re.lastIndex;
    }
    if (end !== value.length || end === 0) throw new Error(`--duration: cannot read "${value}" (try 10s, 500ms, 1m)`);
  }
  if (!(ms >= 100)) throw new Error(`--duration must be at least 100ms, got "${value}"`);
  if (ms > MAX_DURATION_MS) throw new Error(`--duration must be at most 1h, got "${value}"`);
  return Math.round(ms);
}

function parsePositiveInt(value: string, flag: string, max: number): number {
  if (!/^\d+$/.test(value)) throw new Error(`${flag} must be a positive integer, got "${value}"`);
  const n = Number(value);
  if (n < 1 || n > max) throw new Error(`${flag} must be in [1, ${max}], got ${n}`);
  return n;
}

function parseScenarios(raw: string | undefined, remote: boolean, hasChaos: boolean, quick: boolean): ScenarioName[] {
  const available = (s: ScenarioName): boolean => !remote || (!LOCAL_ONLY.includes(s) && (s !== 'failover-kill' || hasChaos));
  if (raw === undefined) return (quick ? ALL_SCENARIOS : KNOWN).filter(available);
  const out: ScenarioName[] = [];
  for (const part of raw.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const expanded = part === 'failover' ? FAILOVER_VARIANTS.filter(available) : [part];
    if (part === 'failover' && expanded.length === 0) throw new Error('failover against remote targets needs --chaos-stop and --chaos-start');
    for (const name of expanded) {
      if (!(KNOWN as readonly string[]).includes(name)) {
        throw new Error(`unknown scenario "${name}" (known: miss, dashboard, failover, ${FAILOVER_VARIANTS.join(', ')}, outage, burst)`);
      }
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
