import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors/index.js';
import { parseConfigText } from '../../../src/config/index.js';

const problemsOf = (yaml: string): string[] => {
  try {
    parseConfigText(yaml);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
};

describe('config', () => {
  it('fills every default from a minimal file and freezes the result', () => {
    const c = parseConfigText('replicas:\n  - url: http://127.0.0.1:9090\n');
    expect(c.listen_address).toBe('127.0.0.1:9099');
    expect(c.replicas[0]!.name).toBe('127.0.0.1:9090');
    expect(c.health_check).toEqual({ path: '/-/ready', interval: 1000, timeout: 1000, fall: 2, rise: 2 });
    expect(c.routing.policy).toBe('round_robin');
    expect(c.routing.hedge.delay).toBe('auto');
    expect(c.upstream.max_buffered_response_bytes).toBe(64 * 1024 * 1024);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.routing.hedge)).toBe(true);
  });

  it('reads Prometheus durations and sizes', () => {
    const c = parseConfigText(`
replicas: [{url: "http://a:9090", name: one}]
health_check: {interval: 1m30s, timeout: 500ms}
routing: {hedge: {delay: 250ms}}
limits: {max_body_bytes: 1MiB, max_url_bytes: 4096}
`);
    expect(c.health_check.interval).toBe(90_000);
    expect(c.health_check.timeout).toBe(500);
    expect(c.routing.hedge.delay).toBe(250);
    expect(c.limits.max_body_bytes).toBe(1024 * 1024);
    expect(c.limits.max_url_bytes).toBe(4096);
    expect(c.replicas[0]!.name).toBe('one');
  });

  it.each([
    ['an unknown top-level key', 'replicas: [{url: "http://a:1"}]\nreplica: []', 'unknown key "replica"'],
    ['an unknown nested key', 'replicas: [{url: "http://a:1"}]\nhealth_check: {intervall: 1s}', 'health_check: unknown key "intervall"'],
    ['an unknown replica key', 'replicas: [{url: "http://a:1", weight: 2}]', 'replicas.0: unknown key "weight"'],
    ['no replicas', 'listen_address: ":9099"', 'replicas:'],
    ['an empty replica list', 'replicas: []', 'replicas: at least one replica is required'],
    ['a bad duration', 'replicas: [{url: "http://a:1"}]\nhealth_check: {interval: 10}', 'health_check.interval:'],
    ['a float duration', 'replicas: [{url: "http://a:1"}]\nhealth_check: {interval: "1.5s"}', 'health_check.interval: "1.5s" is not a Prometheus duration'],
    ['a non-http URL', 'replicas: [{url: "ftp://a:1"}]', 'replicas.0.url: "ftp://a:1" must use http or https'],
    ['a relative URL', 'replicas: [{url: "a:1/x"}]', 'replicas.0.url:'],
    ['a URL with a query', 'replicas: [{url: "http://a:1/?x=1"}]', 'replicas.0.url:'],
    ['duplicate names', 'replicas: [{url: "http://a:1"}, {url: "http://a:1"}]', 'replicas.1.name: duplicate replica name "a:1"'],
    ['an unknown policy', 'replicas: [{url: "http://a:1"}]\nrouting: {policy: random}', 'routing.policy:'],
    ['timeout above interval', 'replicas: [{url: "http://a:1"}]\nhealth_check: {interval: 1s, timeout: 2s}', 'health_check.timeout: must not exceed'],
    ['zero attempts', 'replicas: [{url: "http://a:1"}]\nrouting: {max_attempts: 0}', 'routing.max_attempts:'],
    ['a bad listen address', 'listen_address: "localhost"\nreplicas: [{url: "http://a:1"}]', 'listen_address: must be HOST:PORT'],
    ['a bad size', 'replicas: [{url: "http://a:1"}]\nlimits: {max_body_bytes: 1XB}', 'limits.max_body_bytes: "1XB" is not a size'],
    ['broken YAML', 'replicas: [', 'not valid YAML'],
    ['duplicate YAML keys', 'replicas: [{url: "http://a:1"}]\nreplicas: [{url: "http://a:1"}]', 'not valid YAML'],
  ])('rejects %s, naming the key', (_what, yaml, expected) => {
    const problems = problemsOf(yaml);
    expect(problems.join('\n')).toContain(expected);
  });

  it('reports every problem at once, not just the first', () => {
    const problems = problemsOf('replicas: [{url: "ftp://x"}]\nhealth_check: {fall: 0, bogus: 1}');
    expect(problems.length).toBeGreaterThanOrEqual(3);
  });

  it('accepts the shipped example and quickstart files', async () => {
    const { readFile } = await import('node:fs/promises');
    for (const f of ['config/promgate.yaml', 'config/promgate.example.yaml']) {
      expect(() => parseConfigText(String(readFileSync(f)))).not.toThrow();
    }
    void readFile;
  });
});

import { readFileSync } from 'node:fs';
