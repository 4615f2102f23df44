// TLS and basic auth the Prometheus way, over real TLS (issue #10): certificates made by openssl
// for this run, a fastify server configured from a web config file, and a real Prometheus replica
// behind its own --web.config.file, reached by a promgate Replica configured from http_config.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import Fastify, { type FastifyInstance } from 'fastify';
import { Agent, request } from 'undici';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.js';
import { resolveHttpConfigs } from '../../src/config/http-config.js';
import { clientCertRefusal, loadWebConfig } from '../../src/config/web-config.js';
import { UpstreamConnectionError } from '../../src/errors/index.js';
import { buildBasicAuthHook } from '../../src/http/basic-auth.js';
import { Replica, replicaOptionsFrom } from '../../src/upstream/replica.js';
import { freePort } from '../helpers/prometheus.js';
import { requirePrometheus } from '../helpers/require-prometheus.js';

const run = promisify(execFile);

function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((d) => {
    try {
      accessSync(join(d, name), constants.X_OK);
      return d !== '';
    } catch {
      return false;
    }
  });
}

// A missing openssl fails these tests, as a missing prometheus fails the others: a skipped TLS
// suite would look green while proving nothing.
const OPENSSL = onPath('openssl');

const PASSWORD = 'promgate-to-prometheus';
const USER_PASSWORD = 'grafana-pw';

interface Certs {
  readonly dir: string;
  readonly ca: string;
  readonly client: { cert: string; key: string };
  /** A client certificate from a CA nobody trusts. */
  readonly rogue: { cert: string; key: string };
}

/** A throwaway CA, a server certificate for localhost and 127.0.0.1, a client certificate, and a rogue one. */
async function makeCerts(dir: string): Promise<Certs> {
  const ssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const caExt = ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'];
  await ssl('req', '-x509', ...ec, ...caExt, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=promgate test CA');
  await ssl('req', '-x509', ...ec, ...caExt, '-keyout', 'rogue-ca.key', '-out', 'rogue-ca.crt', '-days', '2', '-subj', '/CN=rogue CA');
  const leaf = async (name: string, ca: string, ext: string) => {
    await writeFile(join(dir, `${name}.ext`), ext);
    await ssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    await ssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  };
  await leaf('server', 'ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  await leaf('client', 'ca', 'extendedKeyUsage=clientAuth\n');
  await leaf('rogue', 'rogue-ca', 'extendedKeyUsage=clientAuth\n');
  const text = (f: string) => readFile(join(dir, f), 'utf8');
  return {
    dir,
    ca: await text('ca.crt'),
    client: { cert: await text('client.crt'), key: await text('client.key') },
    rogue: { cert: await text('rogue.crt'), key: await text('rogue.key') },
  };
}

interface ClientTls {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

/** One GET over a fresh connection; resolves with status, WWW-Authenticate and body, rejects on transport errors. */
async function get(url: string, tls: ClientTls, authorization?: string) {
  const dispatcher = new Agent({ connect: { ...tls, timeout: 5_000 } });
  try {
    const res = await request(url, { dispatcher, headers: authorization ? { authorization } : {}, headersTimeout: 10_000, bodyTimeout: 10_000 });
    return { status: res.statusCode, wwwAuthenticate: res.headers['www-authenticate'], body: await res.body.text() };
  } finally {
    await dispatcher.destroy();
  }
}

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

let certs: Certs;

beforeAll(async () => {
  if (!OPENSSL) throw new Error('openssl not found on PATH; the TLS tests cannot run. Install it (apt-get install -y openssl).');
  certs = await makeCerts(await mkdtemp(join(tmpdir(), 'promgate-tls-')));
}, 60_000);

afterAll(async () => {
  if (certs && process.env.PROMGATE_KEEP_TMP !== '1') await rm(certs.dir, { recursive: true, force: true });
});

describe('a promgate server from --web.config.file, over real TLS', () => {
  const servers: FastifyInstance[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  /** What build-server does with a web config: https options, the client-certificate check, the basic auth hook. */
  async function serve(webYaml: string): Promise<string> {
    const file = join(certs.dir, `web-${servers.length}.yml`);
    await writeFile(file, webYaml);
    const web = await loadWebConfig(file);
    const app = Fastify({ https: web.tls ? { ...web.tls } : null });
    const tls = web.tls;
    if (tls) {
      app.server.on('secureConnection', (socket: TLSSocket) => {
        if (clientCertRefusal(tls.clientAuthType, socket) !== undefined) socket.destroy();
      });
    }
    if (web.basicAuthUsers) app.addHook('onRequest', buildBasicAuthHook(web.basicAuthUsers));
    app.get('/*', async (req) => `hello ${req.url}`);
    servers.push(app);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    return `https://127.0.0.1:${port}`;
  }

  // Relative paths: read from the web config file's directory (certs.dir), as exporter-toolkit does.
  const TLS = 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n';

  it('answers the right user over https, and 401 with WWW-Authenticate: Basic without', async () => {
    const hash = await bcrypt.hash(USER_PASSWORD, 10);
    const base = await serve(`${TLS}basic_auth_users:\n  grafana: "${hash}"\n`);
    const ok = await get(`${base}/api/v1/query?query=up`, { ca: certs.ca }, basic('grafana', USER_PASSWORD));
    expect(ok).toMatchObject({ status: 200, body: 'hello /api/v1/query?query=up' });
    for (const auth of [undefined, basic('grafana', 'wrong'), basic('nobody', USER_PASSWORD)]) {
      expect(await get(`${base}/metrics`, { ca: certs.ca }, auth)).toEqual({ status: 401, wwwAuthenticate: 'Basic', body: 'Unauthorized\n' });
    }
    // The client checks the server too: without the CA, no connection.
    await expect(get(`${base}/-/ready`, {}, basic('grafana', USER_PASSWORD))).rejects.toThrow(/certificate/i);
  });

  it('RequireAndVerifyClientCert: rejects a client without a certificate, or with one from another CA', async () => {
    const base = await serve(`${TLS}  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n`);
    expect(await get(`${base}/-/ready`, { ca: certs.ca, ...certs.client })).toMatchObject({ status: 200 });
    await expect(get(`${base}/-/ready`, { ca: certs.ca })).rejects.toThrow();
    await expect(get(`${base}/-/ready`, { ca: certs.ca, ...certs.rogue })).rejects.toThrow();
  });

  it('RequireAnyClientCert: any certificate, verified or not; none is refused', async () => {
    const base = await serve(`${TLS}  client_auth_type: RequireAnyClientCert\n`);
    expect(await get(`${base}/-/ready`, { ca: certs.ca, ...certs.rogue })).toMatchObject({ status: 200 });
    expect(await get(`${base}/-/ready`, { ca: certs.ca, ...certs.client })).toMatchObject({ status: 200 });
    await expect(get(`${base}/-/ready`, { ca: certs.ca })).rejects.toThrow();
  });

  it('VerifyClientCertIfGiven: none is fine, a trusted one is fine, an untrusted one is refused', async () => {
    const base = await serve(`${TLS}  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.crt\n`);
    expect(await get(`${base}/-/ready`, { ca: certs.ca })).toMatchObject({ status: 200 });
    expect(await get(`${base}/-/ready`, { ca: certs.ca, ...certs.client })).toMatchObject({ status: 200 });
    await expect(get(`${base}/-/ready`, { ca: certs.ca, ...certs.rogue })).rejects.toThrow();
  });

  it('RequestClientCert: asks, takes any answer', async () => {
    const base = await serve(`${TLS}  client_auth_type: RequestClientCert\n`);
    expect(await get(`${base}/-/ready`, { ca: certs.ca })).toMatchObject({ status: 200 });
    expect(await get(`${base}/-/ready`, { ca: certs.ca, ...certs.rogue })).toMatchObject({ status: 200 });
  });

  it('refuses TLS 1.2 clients when min_version is TLS13', async () => {
    const base = await serve(`${TLS}  min_version: TLS13\n`);
    expect(await get(`${base}/-/ready`, { ca: certs.ca })).toMatchObject({ status: 200 });
    const dispatcher = new Agent({ connect: { ca: certs.ca, maxVersion: 'TLSv1.2' } });
    try {
      await expect(request(`${base}/-/ready`, { dispatcher })).rejects.toThrow(/protocol version|wrong version|alert/i);
    } finally {
      await dispatcher.destroy();
    }
  });
});

/** A real Prometheus serving https with basic auth from its own --web.config.file. */
class SecurePrometheus {
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  readonly log: string;

  constructor(readonly dir: string, readonly port: number) {
    this.log = join(dir, 'prometheus.log');
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  async start(webConfigFile: string): Promise<void> {
    const { prometheus } = requirePrometheus();
    const config = join(this.dir, 'prometheus.yml');
    await writeFile(config, JSON.stringify({ global: { scrape_interval: '1s', evaluation_interval: '1s' } }));
    const fd = openSync(this.log, 'a');
    try {
      this.#child = spawn(
        prometheus,
        [`--config.file=${config}`, `--web.config.file=${webConfigFile}`, `--web.listen-address=127.0.0.1:${this.port}`, `--storage.tsdb.path=${join(this.dir, 'data')}`, '--log.level=info'],
        { stdio: ['ignore', fd, fd] },
      );
    } finally {
      closeSync(fd);
    }
    const child = this.#child;
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    this.#exited = new Promise((resolve) =>
      child.once('exit', () => {
        process.off('exit', killOnExit);
        resolve();
      }),
    );
  }

  /** Polls /-/ready over https with credentials until 200. */
  async waitReady(auth: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (this.#child?.exitCode !== null || this.#child?.signalCode !== null) break;
      try {
        const res = await get(`${this.url}/-/ready`, { ca: certs.ca }, auth);
        if (res.status === 200) return;
        last = `HTTP ${res.status}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await sleep(100);
    }
    throw new Error(`prometheus not ready (${last}); log:\n${(await readFile(this.log, 'utf8').catch(() => '')).split('\n').slice(-20).join('\n')}`);
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if ((await Promise.race([this.#exited.then(() => 'exited'), sleep(5_000, 'timeout', { ref: false })])) === 'timeout') child.kill('SIGKILL');
    await this.#exited;
  }
}

describe('a promgate Replica in front of a real Prometheus with TLS and basic auth', () => {
  let prom: SecurePrometheus;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    requirePrometheus();
    const dir = await mkdtemp(join(certs.dir, 'prometheus-'));
    prom = new SecurePrometheus(dir, await freePort());
    const web = join(dir, 'web.yml');
    // Prometheus reads the same relative-path convention: from the web config's directory.
    await writeFile(web, `tls_server_config:\n  cert_file: ../server.crt\n  key_file: ../server.key\nbasic_auth_users:\n  promgate: "${await bcrypt.hash(PASSWORD, 10)}"\n`);
    await writeFile(join(certs.dir, 'password'), `${PASSWORD}\n`);
    await writeFile(join(certs.dir, 'wrong-password'), 'not-it\n');
    await prom.start(web);
    await prom.waitReady(basic('promgate', PASSWORD));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await prom?.stop();
  });

  /** A Replica built as the app builds it, from a promgate.yaml whose relative files live in certs.dir. */
  function replicaFrom(yaml: string): Replica {
    const config = configSchema.parse(parseYaml(yaml));
    const http = resolveHttpConfigs(config, { baseDir: certs.dir });
    const replica = new Replica(replicaOptionsFrom(config, { name: 'secure', url: config.replicas[0]!.url, http: http[0] }), { now: () => Date.now() });
    replicas.push(replica);
    return replica;
  }

  const query = (replica: Replica) =>
    replica.start({ method: 'GET', pathAndQuery: '/api/v1/query?query=vector(42)', headers: { accept: 'application/json' }, latencyClass: 'query' }, AbortSignal.timeout(10_000))!.result;

  it('queries it with tls_config ca_file and basic_auth password_file, probes and GETs included', async () => {
    const replica = replicaFrom(`
replicas:
  - url: https://127.0.0.1:${prom.port}
    http_config:
      basic_auth: {username: promgate, password_file: password}
      tls_config: {ca_file: ca.crt}
`);
    const answer = await query(replica);
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body.toString())).toMatchObject({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [expect.any(Number), '42'] }] } });
    expect(await replica.probe('/-/ready', 5_000)).toBe(true);
    expect((await replica.get('/api/v1/status/buildinfo', 5_000)).statusCode).toBe(200);
  });

  it('checks the certificate against server_name, set once for all replicas in the top-level http_config', async () => {
    const replica = replicaFrom(`
http_config:
  basic_auth: {username: promgate, password_file: password}
  tls_config: {ca_file: ca.crt, server_name: localhost}
replicas: [{url: "https://127.0.0.1:${prom.port}"}]
`);
    expect((await query(replica)).statusCode).toBe(200);
    const wrongName = replicaFrom(`
replicas:
  - url: https://127.0.0.1:${prom.port}
    http_config: {basic_auth: {username: promgate, password_file: password}, tls_config: {ca_file: ca.crt, server_name: prometheus.example}}
`);
    await expect(query(wrongName)).rejects.toThrow(UpstreamConnectionError);
  });

  it('gets 401 with a wrong password, and fails its health probe', async () => {
    const replica = replicaFrom(`
replicas:
  - url: https://127.0.0.1:${prom.port}
    http_config:
      basic_auth: {username: promgate, password_file: wrong-password}
      tls_config: {ca_file: ca.crt}
`);
    const answer = await query(replica);
    expect(answer.statusCode).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Basic');
    expect(await replica.probe('/-/ready', 5_000)).toBe(false);
  });

  it('does not connect without the CA (the replica\'s certificate is verified)', async () => {
    const replica = replicaFrom(`
replicas:
  - url: https://127.0.0.1:${prom.port}
    http_config: {basic_auth: {username: promgate, password_file: password}}
`);
    const err = await query(replica).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamConnectionError);
    expect((err as Error).message).toMatch(/certificate|UNABLE_TO_VERIFY/i);
  });
});
