import { describe, expect, it } from 'vitest';
import { ALL_SCENARIOS, DEFAULT_DURATION_MS, LONG_SCENARIOS, parseBenchArgs, parseDuration, parseTarget, parseUrl, type BenchOptions } from '../../../bench/lib/args.js';

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
    expect(o.scenarios).toEqual([...ALL_SCENARIOS, ...LONG_SCENARIOS]);
    expect(o.scenarios.at(-1)).toBe('outage');
  });

  it('--quick shortens runs, but explicit flags still win', () => {
    expect(options(['--quick'])).toMatchObject({ durationMs: 2000, rounds: 1, quick: true });
    expect(options(['--quick', '--duration', '3s', '--rounds=2'])).toMatchObject({ durationMs: 3000, rounds: 2 });
  });

  it('--quick leaves the long outage scenario out unless it is named', () => {
    expect(options(['--quick']).scenarios).toEqual([...ALL_SCENARIOS]);
    expect(options(['--quick']).scenarios).not.toContain('outage');
    expect(options(['--quick', '--scenarios', 'outage']).scenarios).toEqual(['outage']);
    expect(options(['--scenarios', 'dashboard,outage']).scenarios).toEqual(['dashboard', 'outage']);
  });

  it('expands failover into its variants and keeps the order given', () => {
    expect(options(['--scenarios', 'burst,failover,miss']).scenarios).toEqual(['burst', 'failover-kill', 'failover-freeze', 'failover-slow', 'miss']);
    expect(options(['--scenarios=failover-freeze,failover-freeze']).scenarios).toEqual(['failover-freeze']);
  });

  it('reads remote targets from --promgate/--haproxy and repeatable --target', () => {
    const o = options(['--promgate', 'http://pg:9099/', '--haproxy', 'http://ha:8080', '--target', 'thanos=http://q:10902/prometheus']);
    expect(o.targets).toEqual([
      { name: 'thanos', url: 'http://q:10902/prometheus' },
      { name: 'promgate', url: 'http://pg:9099' },
      { name: 'haproxy', url: 'http://ha:8080' },
    ]);
  });

  it('remote mode runs only what it can: failover-kill only with chaos hooks, never freeze or slow', () => {
    expect(options(['--promgate', 'http://a:1']).scenarios).toEqual(['miss', 'dashboard', 'burst']);
    const withChaos = options(['--promgate', 'http://a:1', '--chaos-stop', 'systemctl stop prometheus@2', '--chaos-start', 'systemctl start prometheus@2']);
    expect(withChaos.scenarios).toEqual(['miss', 'dashboard', 'failover-kill', 'burst']);
    expect(withChaos.chaosStop).toBe('systemctl stop prometheus@2');
    expect(usageError(['--promgate', 'http://a:1', '--scenarios', 'failover-freeze'])).toMatch(/local replicas/);
    expect(usageError(['--promgate', 'http://a:1', '--scenarios', 'failover'])).toMatch(/chaos-stop/);
    // outage judges answers against the replica the fault spares: only a local run knows which.
    expect(usageError(['--promgate', 'http://a:1', '--scenarios', 'outage'])).toMatch(/outage needs local replicas/);
  });

  it.each([
    [['--bogus'], /unknown flag --bogus/],
    [['--duration'], /needs a value/],
    [['--duration', '--quick'], /needs a value/],
    [['--rounds', '0'], /\[1, 100\]/],
    [['--rounds', '1.5'], /positive integer/],
    [['--scenarios', 'miss,nope'], /unknown scenario "nope"/],
    [['--scenarios', ','], /empty/],
    [['--chaos-stop', 'x'], /go together/],
    [['--chaos-stop', 'x', '--chaos-start', 'y'], /remote targets/],
    [['--replica', 'http://r:9090'], /remote targets/],
    [['--quick=yes'], /takes no value/],
    [['positional'], /unexpected argument/],
    [['--promgate', 'ftp://x'], /only http/],
    [['--promgate', 'http://a:1', '--target', 'promgate=http://b:2'], /given twice/],
    [['--promgate', 'http://a:1', '--cpu-prof'], /local mode/],
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
    expect(parseBenchArgs(['--quick', '--help'])).toEqual({ kind: 'help' });
  });
});

describe('parseDuration', () => {
  it.each([
    ['10s', 10_000],
    ['500ms', 500],
    ['1m30s', 90_000],
    ['2.5s', 2_500],
    ['7', 7_000],
    ['0.25', 250],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['10x', 's', '5ms', '2h', '', '1s2'])('refuses %s', (text) => {
    expect(() => parseDuration(text)).toThrow();
  });
});

describe('parseTarget / parseUrl', () => {
  it('names bare URLs by position and keeps path prefixes', () => {
    expect(parseTarget('http://h:9090/prom/', 1)).toEqual({ name: 'target-2', url: 'http://h:9090/prom' });
    expect(parseTarget('pg=http://h:1', 0)).toEqual({ name: 'pg', url: 'http://h:1' });
  });

  it('refuses queries and fragments, which could not take a path appended', () => {
    expect(() => parseUrl('http://h:1/?x=1', '--target')).toThrow(/no query/);
  });
});
