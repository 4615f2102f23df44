import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, parseConfigText } from '../../../src/config/index.js';
import { type ReplicaHttpConfig, resolveHttpConfigs } from '../../../src/config/http-config.js';
import { Secret } from '../../../src/config/secret.js';
import { ConfigError } from '../../../src/errors/index.js';

const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
const PASSWORD = 's3cr3t-pa55';
const TOKEN = 'tok-0123456789';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'promgate-http-config-'));
  await mkdir(join(dir, 'secrets'));
  // Written with a trailing newline, as `echo` does: Prometheus trims what it reads.
  await writeFile(join(dir, 'secrets', 'password'), `${PASSWORD}\n`);
  await writeFile(join(dir, 'secrets', 'token'), `  ${TOKEN}\n`);
  await writeFile(join(dir, 'secrets', 'user'), 'svc-promgate\n');
  for (const f of ['ca.crt', 'server.crt', 'server.key', 'other.key']) await copyFile(join(FIXTURES, f), join(dir, f));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What loading the config does: validate, then read every replica's http_config files relative to the config's directory. */
function load(yaml: string): { config: ReturnType<typeof configSchema.parse>; http: ReplicaHttpConfig[] } {
  const config = configSchema.parse(parseYaml(yaml));
  return { config, http: resolveHttpConfigs(config, { baseDir: dir }) };
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

const revealed = (h: ReplicaHttpConfig) => Object.fromEntries(Object.entries(h.headers).map(([k, v]) => [k, v.reveal()]));
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('http_config validation', () => {
  const R = 'replicas: [{url: "https://a:9090", http_config: ';
  it.each([
    ['basic_auth and authorization together', `${R}{basic_auth: {username: u, password: p}, authorization: {credentials: t}}}]`, 'replicas.0.http_config: at most one of basic_auth & authorization must be configured'],
    ['password and password_file together', `${R}{basic_auth: {username: u, password: p, password_file: f}}}]`, 'replicas.0.http_config.basic_auth: at most one of password & password_file'],
    ['username and username_file together', `${R}{basic_auth: {username: u, username_file: f}}}]`, 'at most one of username & username_file'],
    ['credentials and credentials_file together', `${R}{authorization: {credentials: t, credentials_file: f}}}]`, 'exactly one of credentials & credentials_file'],
    ['authorization without credentials', `${R}{authorization: {type: Bearer}}}]`, 'exactly one of credentials & credentials_file'],
    ['authorization type Basic', `${R}{authorization: {type: basic, credentials: t}}}]`, 'authorization type cannot be set to "basic", use "basic_auth" instead'],
    ['a cert without a key', `${R}{tls_config: {cert_file: c}}}]`, 'replicas.0.http_config.tls_config: key_file must be configured'],
    ['a key without a cert', `${R}{tls_config: {key_file: k}}}]`, 'cert_file must be configured when a client key is configured'],
    ['an unknown TLS version', `${R}{tls_config: {min_version: SSL3}}}]`, 'replicas.0.http_config.tls_config.min_version:'],
    ['min above max', `${R}{tls_config: {min_version: TLS13, max_version: TLS12}}}]`, 'tls_config.max_version: must not be below min_version'],
    ['an Authorization header', `${R}{headers: {Authorization: "Bearer x"}}}]`, 'replicas.0.http_config.headers.Authorization: setting header "Authorization" is not allowed: use basic_auth or authorization'],
    ['a hop-by-hop header', `${R}{headers: {Connection: close}}}]`, 'headers.Connection: setting header "Connection" is not allowed'],
    ['a Host header', `${R}{headers: {host: x}}}]`, 'setting header "host" is not allowed'],
    ['Transfer-Encoding', `${R}{headers: {Transfer-Encoding: chunked}}}]`, 'not allowed'],
    ['a bad header name', `${R}{headers: {"X Bad": v}}}]`, '"X Bad" is not a valid header name'],
    ['a header set twice', `${R}{headers: {X-Org: a, x-org: b}}}]`, 'is set twice'],
    ['a header value with a line break', `${R}{headers: {X-Org: "a\\r\\nX-Evil: 1"}}}]`, 'must not contain line breaks'],
    ['bearer_token', `${R}{bearer_token: t}}]`, 'bearer_token: not supported: use authorization'],
    ['http_headers', `${R}{http_headers: {}}}]`, 'http_headers: not supported: use headers'],
    ['an unknown key', `${R}{follow_redirects: true}}]`, 'replicas.0.http_config: unknown key "follow_redirects"'],
    ['the same at top level', 'replicas: [{url: "http://a:1"}]\nhttp_config: {basic_auth: {password: p}, authorization: {credentials: t}}', 'http_config: at most one of basic_auth & authorization'],
    ['an unknown tls_config key', `${R}{tls_config: {verify: false}}}]`, 'replicas.0.http_config.tls_config: unknown key "verify"'],
  ])('refuses %s', (_what, yaml, expected) => {
    expect(problemsOf(() => parseConfigText(yaml)).join('\n')).toContain(expected);
  });

  it('keeps configs without http_config valid, and accepts every key', () => {
    expect(() => parseConfigText('replicas: [{url: "http://a:1"}, {url: "http://b:1", name: b}]')).not.toThrow();
    // The schema alone: the files are read by resolveHttpConfigs, tested below.
    expect(
      configSchema.safeParse(
        parseYaml(`
replicas:
  - url: https://a:9090
    http_config:
      authorization: {type: Token, credentials_file: secrets/token}
      tls_config: {ca_file: ca.crt, cert_file: server.crt, key_file: server.key, server_name: a, insecure_skip_verify: false, min_version: TLS12, max_version: TLS13}
      headers: {X-Scope-OrgID: team-a}
http_config:
  basic_auth: {username: u, password_file: secrets/password}
`),
      ).success,
    ).toBe(true);
  });

  it('never echoes an inline secret in a problem', () => {
    const problems = problemsOf(() => parseConfigText(`replicas: [{url: "http://a:1", http_config: {basic_auth: {password: ${PASSWORD}, password_file: x}}}]`));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).not.toContain(PASSWORD);
  });
});

describe('resolveHttpConfigs', () => {
  it('gives a replica without http_config nothing to send', () => {
    expect(load('replicas: [{url: "http://a:1"}]').http).toEqual([{ headers: {}, tls: {} }]);
  });

  it('builds the Authorization header from basic_auth, reading and trimming files relative to the config', () => {
    const { http } = load('replicas: [{url: "http://a:1", http_config: {basic_auth: {username_file: secrets/user, password_file: secrets/password}}}]');
    expect(revealed(http[0]!)).toEqual({ authorization: basic('svc-promgate', PASSWORD) });
  });

  it('takes inline basic_auth, and a password with a colon', () => {
    const { http } = load('replicas: [{url: "http://a:1", http_config: {basic_auth: {username: u, password: "a:b"}}}]');
    expect(revealed(http[0]!)).toEqual({ authorization: basic('u', 'a:b') });
  });

  it('builds Authorization from authorization, Bearer by default', () => {
    const { http } = load(`replicas:
  - {url: "http://a:1", http_config: {authorization: {credentials_file: secrets/token}}}
  - {url: "http://b:1", http_config: {authorization: {type: Token, credentials: inline}}}`);
    expect(revealed(http[0]!)).toEqual({ authorization: `Bearer ${TOKEN}` });
    expect(revealed(http[1]!)).toEqual({ authorization: 'Token inline' });
  });

  it('reads tls_config into connect options', () => {
    const { http } = load('replicas: [{url: "https://a:1", http_config: {tls_config: {ca_file: ca.crt, cert_file: server.crt, key_file: server.key, server_name: prom.example, insecure_skip_verify: true, min_version: TLS13}}}]');
    const tls = http[0]!.tls;
    expect(tls.ca).toContain('BEGIN CERTIFICATE');
    expect(tls.cert).toContain('BEGIN CERTIFICATE');
    expect(tls.key).toBeInstanceOf(Secret);
    expect(tls.key!.reveal()).toContain('PRIVATE KEY');
    expect(tls).toMatchObject({ servername: 'prom.example', rejectUnauthorized: false, minVersion: 'TLSv1.3' });
    expect(Object.isFrozen(http[0]) && Object.isFrozen(http[0]!.tls) && Object.isFrozen(http[0]!.headers)).toBe(true);
  });

  it('applies the top-level http_config to every replica, a replica\'s own overriding it', () => {
    const { http } = load(`
http_config:
  basic_auth: {username: shared, password_file: secrets/password}
  tls_config: {ca_file: ca.crt, server_name: shared.example}
  headers: {X-Scope-OrgID: team-a, X-Env: prod}
replicas:
  - url: https://a:1
  - url: https://b:1
    http_config:
      authorization: {credentials: own-token}
      tls_config: {server_name: b.example, cert_file: server.crt, key_file: server.key}
      headers: {x-scope-orgid: team-b}
`);
    const [a, b] = http;
    expect(revealed(a!)).toEqual({ authorization: basic('shared', PASSWORD), 'x-scope-orgid': 'team-a', 'x-env': 'prod' });
    expect(a!.tls).toMatchObject({ servername: 'shared.example' });
    expect(a!.tls.ca).toContain('BEGIN CERTIFICATE');
    expect(a!.tls.cert).toBeUndefined();
    // Auth is replaced whole (authorization over basic_auth, no conflict); tls_config and headers merge by key.
    expect(revealed(b!)).toEqual({ authorization: 'Bearer own-token', 'x-scope-orgid': 'team-b', 'x-env': 'prod' });
    expect(b!.tls).toMatchObject({ servername: 'b.example' });
    expect(b!.tls.ca).toContain('BEGIN CERTIFICATE');
    expect(b!.tls.cert).toContain('BEGIN CERTIFICATE');
  });

  it('names every unreadable file at once, by key and absolute path, once each', () => {
    const problems = problemsOf(() =>
      load(`
http_config: {basic_auth: {username: u, password_file: secrets/absent}}
replicas:
  - url: https://a:1
  - url: https://b:1
    http_config: {tls_config: {ca_file: /nonexistent/ca.pem}}
`),
    );
    expect(problems).toEqual([
      `http_config.basic_auth.password_file: cannot read ${join(dir, 'secrets/absent')}: ENOENT: no such file or directory, open '${join(dir, 'secrets/absent')}'`,
      "replicas.1.http_config.tls_config.ca_file: cannot read /nonexistent/ca.pem: ENOENT: no such file or directory, open '/nonexistent/ca.pem'",
    ]);
  });

  it('refuses TLS material that would fail every connection', () => {
    expect(problemsOf(() => load('replicas: [{url: "https://a:1", http_config: {tls_config: {cert_file: server.crt, key_file: other.key}}}]')).join()).toContain(
      'replicas.0.http_config.tls_config: cannot use the CA, certificate or key',
    );
    expect(problemsOf(() => load('http_config: {tls_config: {ca_file: server.key}}\nreplicas: [{url: "https://a:1"}, {url: "https://b:1"}]'))).toEqual([
      'http_config.tls_config.ca_file: no PEM certificate found',
    ]);
    expect(problemsOf(() => load('replicas: [{url: "https://a:1", http_config: {tls_config: {ca_file: secrets/token}}}]'))).toEqual([
      'replicas.0.http_config.tls_config.ca_file: no PEM certificate found',
    ]);
  });

  it('refuses credentials that would break the header', async () => {
    await writeFile(join(dir, 'secrets', 'two-lines'), 'a\nb\n');
    expect(problemsOf(() => load('replicas: [{url: "http://a:1", http_config: {authorization: {credentials_file: secrets/two-lines}}}]')).join()).toContain(
      'replicas.0.http_config.authorization: the credentials must not contain line breaks',
    );
  });
});

describe('secrets stay out of JSON, logs and status output', () => {
  it('prints <secret> for every credential of a loaded config', () => {
    const { config, http } = load(`
http_config: {basic_auth: {username: u, password: ${PASSWORD}}, headers: {X-Api-Key: key-${PASSWORD}}}
replicas:
  - url: https://a:1
    http_config: {authorization: {credentials: ${TOKEN}}, tls_config: {cert_file: server.crt, key_file: server.key}}
  - url: https://b:1
    http_config: {authorization: {credentials_file: secrets/token}}
`);
    const loaded = { ...config, replicas: config.replicas.map((r, i) => ({ url: r.url, name: r.name, http: http[i] })) };
    const key = http[0]!.tls.key!.reveal();
    for (const text of [JSON.stringify(loaded), inspect(loaded, { depth: Infinity }), inspect(loaded, { depth: Infinity, showHidden: true }), String(http[0]!.headers.authorization)]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(Buffer.from(`u:${PASSWORD}`).toString('base64'));
      expect(text).not.toContain(key.split('\n')[1]!);
      expect(text).toContain('<secret>');
    }
  });

  it('keeps the inline secrets of the top-level http_config out of parseConfigText\'s result too', () => {
    const config = parseConfigText(`replicas: [{url: "http://a:1"}]\nhttp_config: {basic_auth: {username: u, password: ${PASSWORD}}}`);
    expect(JSON.stringify(config)).not.toContain(PASSWORD);
    expect(inspect(config, { depth: Infinity })).not.toContain(PASSWORD);
  });

  it('Secret: only reveal() gives the value', () => {
    const s = new Secret('hunter2');
    expect(s.reveal()).toBe('hunter2');
    expect(`${s}`).toBe('<secret>');
    expect(JSON.stringify({ s })).toBe('{"s":"<secret>"}');
    expect(inspect({ s })).toBe('{ s: <secret> }');
    expect(Object.keys(s)).toEqual([]);
  });
});
