import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/index.js';
import { resolveHttpConfigs } from '../../../src/config/http-config.js';
import { Replica, replicaOptionsFrom } from '../../../src/upstream/replica.js';
import { FakeHost } from '../../helpers/fake-dispatcher.js';

/**
 * A replica's http_config reaches the wire: its Authorization and headers go on every attempt,
 * health probe and status GET, over whatever the client sent, and its tls_config becomes the
 * pools' connect options. Real TLS against real Prometheus is in test/integration/tls-auth.test.ts.
 */

const FIXTURES = new URL('../config/fixtures/', import.meta.url).pathname;
const TOKEN = 'replica-token-42';

let dir: string;
let replicas: Replica[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'promgate-replica-http-'));
  await writeFile(join(dir, 'token'), `${TOKEN}\n`);
  for (const f of ['ca.crt', 'server.crt', 'server.key']) await copyFile(join(FIXTURES, f), join(dir, f));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await Promise.all(replicas.map((r) => r.close()));
  replicas = [];
});

function setup(yaml: string) {
  const config = configSchema.parse(parseYaml(yaml));
  const http = resolveHttpConfigs(config, { baseDir: dir });
  const host = new FakeHost();
  const r = config.replicas[0]!;
  const replica = new Replica(replicaOptionsFrom(config, { name: 'r1', url: r.url, http: http[0] }), { now: () => 0, dispatcher: host.dispatcher });
  replicas.push(replica);
  return { replica, host };
}

const AUTH_YAML = `
replicas:
  - url: https://r1:9090/prom
    http_config:
      authorization: {credentials_file: token}
      headers: {X-Scope-OrgID: team-a}
`;

describe('Replica with http_config', () => {
  it('puts its Authorization and headers on attempts, over the client\'s own', async () => {
    const { replica, host } = setup(AUTH_YAML);
    const attempt = replica.start(
      { method: 'GET', pathAndQuery: '/api/v1/query?query=up', headers: { authorization: 'Basic Y2xpZW50OnB3', 'x-scope-orgid': 'client', accept: 'application/json' }, latencyClass: 'query' },
      new AbortController().signal,
    );
    await attempt!.result;
    expect(host.requests[0]!.headers).toEqual({ authorization: `Bearer ${TOKEN}`, 'x-scope-orgid': 'team-a', accept: 'application/json' });
  });

  it('puts them on health probes and status GETs too', async () => {
    const { replica, host } = setup(AUTH_YAML);
    await replica.probe('/-/ready', 1_000);
    await replica.get('/api/v1/status/config', 1_000);
    expect(host.requests.map((r) => [r.path, r.headers])).toEqual([
      ['/prom/-/ready', { authorization: `Bearer ${TOKEN}`, 'x-scope-orgid': 'team-a' }],
      ['/prom/api/v1/status/config', { authorization: `Bearer ${TOKEN}`, 'x-scope-orgid': 'team-a' }],
    ]);
  });

  it('forwards the client\'s headers untouched when it has none of its own', async () => {
    const { replica, host } = setup('replicas: [{url: "http://r1:9090"}]');
    const headers = { authorization: 'Bearer client' };
    await replica.start({ method: 'GET', pathAndQuery: '/api/v1/query?query=up', headers, latencyClass: 'query' }, new AbortController().signal)!.result;
    await replica.probe('/-/ready', 1_000);
    expect(host.requests.map((r) => r.headers)).toEqual([headers, {}]);
  });

  it('hands tls_config to both pools as connect options', () => {
    const { host } = setup(`
replicas:
  - url: https://r1:9090
    http_config:
      tls_config: {ca_file: ca.crt, cert_file: server.crt, key_file: server.key, server_name: prom.internal, insecure_skip_verify: false, min_version: TLS13}
upstream: {connect_timeout: 3s}
`);
    expect(host.pools).toHaveLength(2);
    for (const pool of host.pools) {
      const connect = pool.options.connect as Record<string, unknown>;
      expect(connect).toMatchObject({ timeout: 3000, servername: 'prom.internal', rejectUnauthorized: true, minVersion: 'TLSv1.3' });
      expect(connect.ca).toContain('BEGIN CERTIFICATE');
      expect(connect.cert).toContain('BEGIN CERTIFICATE');
      expect(connect.key).toContain('PRIVATE KEY');
    }
  });

  it('passes insecure_skip_verify as rejectUnauthorized: false', () => {
    const { host } = setup('replicas: [{url: "https://r1:9090", http_config: {tls_config: {insecure_skip_verify: true}}}]');
    expect(host.pools[0]!.options.connect).toEqual({ timeout: 2000, rejectUnauthorized: false });
  });

  it('keeps the connect options plain without tls_config', () => {
    const { host } = setup('replicas: [{url: "http://r1:9090"}]');
    expect(host.pools[0]!.options.connect).toEqual({ timeout: 2000 });
  });

  it('shows no credential when inspected', () => {
    const { replica } = setup(AUTH_YAML);
    expect(inspect(replica, { depth: Infinity, showHidden: true })).not.toContain(TOKEN);
    expect(JSON.stringify({ name: replica.name, url: replica.url })).not.toContain(TOKEN);
  });
});
