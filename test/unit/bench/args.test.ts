import { describe, expect, it } from 'vitest';
import { ALL_SCENARIOS, DEFAULT_DURATION_MS, parseBenchArgs, parseDuration, parseTarget, parseUrl, QUICK_SCENARIOS, type BenchOptions } from '../../../bench/lib/args.js';

function options(argv: string[]): BenchOptions {
  const parsed = parseBenchArgs(argv);
  if (parsed.kind !== 'run') throw new Error(`expected options, got ${JSON.stringify(parsed)}`);
  return parsed.options;
}

function usageError(argv: string[]): string {
  const parsed = parseBenchArgs(argv);
  if (parsed.kind !== 'usage-error') throw new Error(`expected a usage error, got ${parsed.kind}`);
  return parsed.message;
}

describe('parseBenchArgs', () => {
  it('defaults to a local run of every scenario, 10 s × 2 rounds', () => {
    const o = options([]);
    expect(o).toMatchObject({ durationMs: DEFAULT_DURATION_MS, rounds: 2, replicas: 2, quick: false, targets: [], cpuProf: false, connections: undefined });
    expect(o.scenarios).toEqual([...ALL_SCENARIOS]);
  });

  it('--quick runs the smoke set, shorter, but explicit flags still win', () => {
    expect(options(['--quick'])).toMatchObject({ durationMs: 2000, rounds: 1, quick: true, scenarios: QUICK_SCENARIOS });
    expect(options(['--quick', '--duration', '3s', '--rounds=2', '--scenarios', 'outage'])).toMatchObject({ durationMs: 3000, rounds: 2, scenarios: ['outage'] });
  });

  it.each([
    ['burst,failover,miss', ['burst', 'failover-kill', 'failover-freeze', 'failover-slow', 'miss']],
    ['failover-freeze,failover-freeze', ['failover-freeze']],
    [' dashboard , grafana-refresh ', ['dashboard', 'grafana-refresh']],
  ])('--scenarios %j → %j (failover expanded, order kept, duplicates dropped)', (list, want) => {
    expect(options(['--scenarios', list]).scenarios).toEqual(want);
  });

  it('reads remote targets from --promgate/--haproxy and repeatable --target', () => {
    const o = options(['--promgate', 'http://pg:9099/', '--haproxy', 'http://ha:8080', '--target', 'thanos=http://q:10902/prometheus', '--target', 'http://x:1']);
    expect(o.targets).toEqual([
      { name: 'thanos', url: 'http://q:10902/prometheus' },
      { name: 'target-2', url: 'http://x:1' },
      { name: 'promgate', url: 'http://pg:9099' },
      { name: 'haproxy', url: 'http://ha:8080' },
    ]);
  });

  it('remote mode runs only what it can: failover-kill only with chaos hooks, never freeze, slow or outage', () => {
    expect(options(['--promgate', 'http://a:1']).scenarios).toEqual(['dashboard', 'grafana-refresh', 'miss', 'burst']);
    const withChaos = options(['--promgate', 'http://a:1', '--chaos-stop', 'systemctl stop prometheus@2', '--chaos-start', 'systemctl start prometheus@2']);
    expect(withChaos.scenarios).toEqual(['dashboard', 'grafana-refresh', 'miss', 'failover-kill', 'burst']);
    expect(withChaos.chaosStop).toBe('systemctl stop prometheus@2');
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--duration'], /argument missing/],
    [['--duration', '--quick'], /ambiguous/],
    [['--quick=yes'], /does not take an argument/],
    [['positional'], /Unexpected argument 'positional'/],
    [['--duration', '5ms'], /from 100ms to 1h/],
    [['--rounds', '0'], /\[1, 100\], got "0"/],
    [['--rounds', '1.5'], /integer/],
    [['--connections', '-3'], /ambiguous|integer/],
    [['--scenarios', 'miss,nope'], /unknown scenario "nope"/],
    [['--scenarios', 'dashboard-static'], /unknown scenario/],
    [['--scenarios', ','], /empty/],
    [['--chaos-stop', 'x'], /go together/],
    [['--chaos-stop', 'x', '--chaos-start', 'y'], /remote targets/],
    [['--replica', 'http://r:9090'], /remote targets/],
    [['--promgate', 'ftp://x'], /only http/],
    [['--promgate', 'http://x/?a=1'], /no query/],
    [['--promgate', 'not a url'], /not a URL/],
    [['--promgate', 'http://a:1', '--target', 'promgate=http://b:2'], /given twice/],
    [['--promgate', 'http://a:1', '--cpu-prof'], /local mode/],
    [['--promgate', 'http://a:1', '--scenarios', 'failover-freeze'], /local replicas/],
    [['--promgate', 'http://a:1', '--scenarios', 'failover'], /chaos-stop/],
    [['--promgate', 'http://a:1', '--scenarios', 'outage'], /outage needs local replicas/],
    [['--replicas', '1'], /at least 2 replicas/],
    [['--replicas', '1', '--scenarios', 'miss,outage'], /outage needs at least 2 replicas/],
  ])('%j is a usage error', (argv, message) => {
    expect(usageError(argv)).toMatch(message);
  });

  it('one replica is fine when no failover runs', () => {
    expect(options(['--replicas', '1', '--scenarios', 'miss']).replicas).toBe(1);
  });

  it('--help wins over everything else, bad values included', () => {
    expect(parseBenchArgs(['--rounds', 'x', '--help'])).toEqual({ kind: 'help' });
    expect(parseBenchArgs(['--bogus', '--help'])).toEqual({ kind: 'help' });
  });
});

describe('parseDuration (a Prometheus step: duration or seconds)', () => {
  it.each([
    ['10s', 10_000],
    ['500ms', 500],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['7', 7_000],
    ['2.5', 2_500],
    ['0.25', 250],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['10x', 's', '5ms', '2h', '', '1s2', '-5', '2.5s'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/from 100ms to 1h/);
  });
});

describe('parseTarget / parseUrl', () => {
  it.each([
    ['http://h:9090/prom/', 1, { name: 'target-2', url: 'http://h:9090/prom' }],
    ['pg=http://h:1', 0, { name: 'pg', url: 'http://h:1' }],
    ['http://h:1/?x=y=z', 0, /no query/],
    ['bad name=http://h:1', 0, /bad target name/],
  ] as const)('%s (#%d) → %j', (value, i, want) => {
    if (want instanceof RegExp) expect(() => parseTarget(value, i)).toThrow(want);
    else expect(parseTarget(value, i)).toEqual(want);
  });

  it('strips trailing slashes so paths can be appended', () => {
    expect(parseUrl('https://h//', '--target')).toBe('https://h');
  });
});
