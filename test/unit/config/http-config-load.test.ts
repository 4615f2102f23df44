import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../src/config/index.js';
import { ConfigError } from '../../../src/errors/index.js';

// http_config through the real loader: validateConfig resolves it (resolveHttpConfigs), with files
// relative to the config file.

const PASSWORD = 'load-test-password';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'promgate-http-load-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadConfigFile with http_config', () => {
  const yaml = `
http_config: {basic_auth: {username: promgate, password_file: password}}
replicas:
  - url: http://a:9090
  - url: http://b:9090
    http_config: {authorization: {credentials: inline-token}, headers: {X-Scope-OrgID: team-b}}
`;

  it('reads files relative to the config file, merges per replica, freezes, and shows no secret', async () => {
    await writeFile(join(dir, 'password'), `${PASSWORD}\n`);
    await writeFile(join(dir, 'promgate.yaml'), yaml);
    const config = await loadConfigFile(join(dir, 'promgate.yaml'));
    const [a, b] = config.replicas;
    expect(a!.http!.headers.authorization!.reveal()).toBe(`Basic ${Buffer.from(`promgate:${PASSWORD}`).toString('base64')}`);
    expect(b!.http!.headers.authorization!.reveal()).toBe('Bearer inline-token');
    expect(b!.http!.headers['x-scope-orgid']!.reveal()).toBe('team-b');
    expect(Object.isFrozen(a!.http)).toBe(true);
    for (const text of [JSON.stringify(config), inspect(config, { depth: Infinity, showHidden: true })]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(Buffer.from(`promgate:${PASSWORD}`).toString('base64'));
      expect(text).not.toContain('inline-token');
      expect(text).not.toContain('team-b');
    }
  });

  it('reads the files again on every load, which is what a reload does', async () => {
    await writeFile(join(dir, 'promgate.yaml'), yaml);
    await writeFile(join(dir, 'password'), 'first\n');
    const first = await loadConfigFile(join(dir, 'promgate.yaml'));
    await writeFile(join(dir, 'password'), 'second\n');
    const second = await loadConfigFile(join(dir, 'promgate.yaml'));
    const pass = (c: typeof first) => Buffer.from(c.replicas[0]!.http!.headers.authorization!.reveal().slice(6), 'base64').toString();
    expect([pass(first), pass(second)]).toEqual(['promgate:first', 'promgate:second']);
  });

  it('refuses a config whose password file cannot be read, naming it', async () => {
    await writeFile(join(dir, 'broken.yaml'), 'replicas: [{url: "http://a:1", http_config: {basic_auth: {username: u, password_file: absent}}}]');
    const err = await loadConfigFile(join(dir, 'broken.yaml')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([expect.stringContaining(`replicas.0.http_config.basic_auth.password_file: cannot read ${join(dir, 'absent')}`)]);
  });
});
