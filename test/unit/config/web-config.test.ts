import { copyFile, mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientAuthType, clientCertRefusal, loadWebConfig } from '../../../src/config/web-config.js';
import { ConfigError } from '../../../src/errors/index.js';

// fixtures/: a throwaway CA (its key discarded), a server certificate it signed for localhost and
// 127.0.0.1, valid until 2126, and an unrelated key. No openssl needed to run these tests.
const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
// bcrypt("secret", cost 4): only its shape matters here.
const HASH = '$2y$04$Cyy/uElV1cmqv2zMuwk6d.p3kGRp68M7wfQYeXLeYgUrHmXbrFEc2';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'promgate-web-config-'));
  // Relative paths in a web config are read from the file's own directory, not the cwd.
  await mkdir(join(dir, 'tls'));
  for (const f of ['ca.crt', 'server.crt', 'server.key', 'other.key']) await copyFile(join(FIXTURES, f), join(dir, 'tls', f));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function load(yaml: string) {
  const file = join(dir, `web-${n++}.yml`);
  await writeFile(file, yaml);
  return loadWebConfig(file);
}

async function problemsOf(yaml: string): Promise<string[]> {
  try {
    await load(yaml);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

const TLS = 'tls_server_config:\n  cert_file: tls/server.crt\n  key_file: tls/server.key\n';

describe('loadWebConfig', () => {
  it('an empty file turns nothing on (plain HTTP, no auth), as exporter-toolkit', async () => {
    expect(await load('')).toEqual({});
    expect(await load('tls_server_config:\nbasic_auth_users:\n')).toEqual({});
    // Versions alone do not turn TLS on (TLSConfig.IsEnabled).
    expect(await load('tls_server_config: {min_version: TLS13}')).toEqual({});
    // An empty user list means no basic auth (exporter-toolkit: len(c.Users) == 0).
    expect(await load('basic_auth_users: {}')).toEqual({});
  });

  it('reads cert and key relative to the file, with exporter-toolkit defaults TLS12..TLS13', async () => {
    const web = await load(TLS);
    expect(web.tls).toMatchObject({ requestCert: false, rejectUnauthorized: false, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', clientAuthType: 'NoClientCert' });
    expect(web.tls!.cert).toContain('BEGIN CERTIFICATE');
    expect(web.tls!.key).toContain('PRIVATE KEY');
    expect(web.tls!.ca).toBeUndefined();
    expect(web.basicAuthUsers).toBeUndefined();
  });

  it('reads basic_auth_users into a map', async () => {
    const web = await load(`basic_auth_users:\n  alice: "${HASH}"\n  bob: "${HASH.replace('$2y$', '$2b$')}"\n`);
    expect(web.tls).toBeUndefined();
    expect([...web.basicAuthUsers!.keys()]).toEqual(['alice', 'bob']);
    expect(web.basicAuthUsers!.get('alice')).toBe(HASH);
  });

  it.each<[string, ClientAuthType, boolean, boolean]>([
    ['NoClientCert', 'NoClientCert', false, false],
    ['RequestClientCert', 'RequestClientCert', true, false],
    // Node cannot require a certificate without verifying it: clientCertRefusal enforces "any".
    ['RequireAnyClientCert', 'RequireAnyClientCert', true, false],
    ['RequireClientCert', 'RequireAnyClientCert', true, false],
    // Node cannot verify a certificate without requiring one: clientCertRefusal enforces "if given".
    ['VerifyClientCertIfGiven', 'VerifyClientCertIfGiven', true, false],
    ['RequireAndVerifyClientCert', 'RequireAndVerifyClientCert', true, true],
  ])('client_auth_type %s → requestCert/rejectUnauthorized', async (given, type, requestCert, rejectUnauthorized) => {
    const ca = given === 'NoClientCert' ? '' : '  client_ca_file: tls/ca.crt\n';
    const web = await load(`${TLS}  client_auth_type: ${given}\n${ca}`);
    expect(web.tls).toMatchObject({ clientAuthType: type, requestCert, rejectUnauthorized });
    if (ca) expect(web.tls!.ca).toContain('BEGIN CERTIFICATE');
  });

  it('maps TLS versions and prefer_server_cipher_suites', async () => {
    const web = await load(`${TLS}  min_version: TLS13\n  max_version: TLS13\n  prefer_server_cipher_suites: false\n`);
    expect(web.tls).toMatchObject({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', honorCipherOrder: false });
  });

  it('accepts http_server_config.http2 (promgate serves HTTP/1.1 either way)', async () => {
    expect(await load('http_server_config: {http2: false}')).toEqual({});
  });

  it.each([
    ['a cert without a key', 'tls_server_config: {cert_file: tls/server.crt}', 'tls_server_config: missing key_file'],
    ['a key without a cert', 'tls_server_config: {key_file: tls/server.key}', 'tls_server_config: missing cert_file'],
    ['client auth without a cert', 'tls_server_config: {client_auth_type: RequireAndVerifyClientCert}', 'missing cert_file'],
    ['a client CA without a client auth policy', `${TLS}  client_ca_file: tls/ca.crt\n`, 'client_ca_file is set without a client_auth_type'],
    ['an unknown client_auth_type', `${TLS}  client_auth_type: Always\n`, 'tls_server_config.client_auth_type:'],
    ['an unknown TLS version', `${TLS}  min_version: TLS14\n`, 'tls_server_config.min_version:'],
    ['min above max', `${TLS}  min_version: TLS13\n  max_version: TLS12\n`, 'max_version: must not be below min_version'],
    ['a missing cert file', 'tls_server_config: {cert_file: tls/nope.crt, key_file: tls/server.key}', 'tls_server_config.cert_file: cannot read'],
    ['a missing CA file', `${TLS}  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: nope.pem\n`, 'tls_server_config.client_ca_file: cannot read'],
    ['a client CA file without a certificate', `${TLS}  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: tls/server.key\n`, 'tls_server_config.client_ca_file: no PEM certificate found'],
    ['a key not matching the cert', 'tls_server_config: {cert_file: tls/server.crt, key_file: tls/other.key}', 'cannot use the certificate, key or client CA'],
    ['a cert file that is no PEM', 'tls_server_config: {cert_file: tls/server.key, key_file: tls/server.key}', 'cannot use the certificate, key or client CA'],
    ['an unknown key', 'tls_server_config: {cert_fil: x}', 'tls_server_config: unknown key "cert_fil"'],
    ['an unknown top-level key', 'basic_auth: {}', 'unknown key "basic_auth"'],
    ['inline certificates', `${TLS}  cert: "-----BEGIN"\n`, 'tls_server_config.cert: inline certificates are not supported by promgate'],
    ['cipher_suites', `${TLS}  cipher_suites: [TLS_AES_128_GCM_SHA256]\n`, 'tls_server_config.cipher_suites: not supported by promgate'],
    ['client_allowed_sans', `${TLS}  client_allowed_sans: [a]\n`, 'tls_server_config.client_allowed_sans: not supported by promgate'],
    ['response headers', 'http_server_config: {headers: {X-Frame-Options: deny}}', 'http_server_config.headers: not supported by promgate'],
    ['rate_limit', 'rate_limit: {interval: 1s, burst: 1}', 'rate_limit: not supported by promgate'],
    ['a plain-text password', 'basic_auth_users: {alice: secret}', 'basic_auth_users.alice: not a bcrypt hash'],
    ['a username with a colon', `basic_auth_users: {"a:b": "${HASH}"}`, 'basic_auth_users.a:b: a username must not contain ":"'],
    ['a user mapped to a list', 'basic_auth_users: {alice: [x]}', 'basic_auth_users.alice:'],
    ['broken YAML', 'tls_server_config: [', 'not valid YAML'],
    ['a duplicate key', `basic_auth_users:\n  a: "${HASH}"\n  a: "${HASH}"\n`, 'not valid YAML'],
    ['a list at the top', '- a', '(top level):'],
  ])('refuses %s', async (_what, yaml, expected) => {
    const problems = await problemsOf(yaml);
    expect(problems.join('\n')).toContain(expected);
    expect(problems.every((p) => p.startsWith('web config ') || p.startsWith('cannot read'))).toBe(true);
  });

  it('never echoes a password hash in a message', async () => {
    const bad = '$2y$10$tooshort';
    const problems = await problemsOf(`basic_auth_users: {alice: "${bad}"}`);
    expect(problems.join('\n')).not.toContain(bad);
  });

  it('names a missing web config file', async () => {
    await expect(loadWebConfig(join(dir, 'absent.yml'))).rejects.toThrow(/cannot read web config .*absent\.yml/);
  });
});

describe('clientCertRefusal: the part of client_auth_type Node options cannot express', () => {
  const socket = (cert: object, authorized: boolean, authorizationError?: string) =>
    ({ getPeerCertificate: () => cert, authorized, authorizationError }) as unknown as TLSSocket;
  const none = socket({}, false, 'UNABLE_TO_GET_ISSUER_CERT');
  const trusted = socket({ subject: { CN: 'client' } }, true);
  const untrusted = socket({ subject: { CN: 'client' } }, false, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');

  it.each<[ClientAuthType, TLSSocket, boolean]>([
    ['NoClientCert', none, false],
    ['RequestClientCert', none, false],
    ['RequestClientCert', untrusted, false],
    ['RequireAnyClientCert', none, true],
    ['RequireAnyClientCert', untrusted, false],
    ['VerifyClientCertIfGiven', none, false],
    ['VerifyClientCertIfGiven', trusted, false],
    ['VerifyClientCertIfGiven', untrusted, true],
    // Node refuses these itself during the handshake (rejectUnauthorized).
    ['RequireAndVerifyClientCert', trusted, false],
  ])('%s: refused=%s', (type, s, refused) => {
    expect(clientCertRefusal(type, s) !== undefined).toBe(refused);
  });

  it('says why', () => {
    expect(clientCertRefusal('VerifyClientCertIfGiven', untrusted)).toBe('client certificate not verified: UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(clientCertRefusal('RequireAnyClientCert', none)).toBe('no client certificate');
  });
});
