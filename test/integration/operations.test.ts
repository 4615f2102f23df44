// Issue #10 on a real promgate process in front of real Prometheus replicas, under keep-alive load:
// hot reload (SIGHUP and POST /-/reload) adds and removes replicas and rejects a bad file without
// failing a request; SIGTERM turns /-/ready 503 at once, keeps serving for the grace period, then
// drains: no request that reached promgate is lost.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import bcrypt from 'bcryptjs';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplicas, type ReplicaCluster } from '../helpers/cluster.js';
import { requirePrometheus } from '../helpers/require-prometheus.js';

const MAIN = join(import.meta.dirname, '../../dist/src/main.js');

let cluster: ReplicaCluster;
let dir: string;

beforeAll(async () => {
  requirePrometheus();
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  cluster = await startReplicas(2);
  dir = await mkdtemp(join(tmpdir(), 'promgate-ops-'));
});

afterAll(async () => {
  await cluster?.stopAll();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function configYaml(urls: readonly string[], extra = ''): string {
  return [
    'listen_address: 127.0.0.1:0',
    'log_level: info',
    `replicas: [${urls.map((u) => `{url: "${u}"}`).join(', ')}]`,
    'health_check: {interval: 500ms, timeout: 400ms}',
    'shutdown: {grace_period: 1500ms, drain_timeout: 10s}',
    extra,
  ].join('\n');
}

interface Gate {
  readonly child: ChildProcess;
  readonly url: string;
  readonly log: () => string;
  readonly exited: Promise<number | null>;
}

async function startPromgate(configFile: string, flags: string[] = []): Promise<Gate> {
  const child = spawn(process.execPath, [MAIN, `--config.file=${configFile}`, ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const m = /"address":"(http:\/\/[^"]+)"/.exec(out);
    if (m) return { child, url: m[1]!, log: () => out, exited };
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`promgate did not start:\n${out}`);
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
}

async function metric(url: string, name: string, user?: string, password?: string): Promise<number | undefined> {
  const headers: Record<string, string> = user !== undefined ? { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } : {};
  const text = await (await fetch(`${url}/metrics`, { headers })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

async function replicaNames(url: string): Promise<string[]> {
  const doc = JSON.parse((await get(`${url}/-/replicas`)).text) as { data: { replicas: { name: string }[] } };
  return doc.data.replicas.map((r) => r.name).sort();
}

async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * 16 keep-alive clients asking distinct cheap queries back to back. A request is lost when it was
 * sent and got no answer (reset, closed mid-answer); a refused connection once promgate stopped
 * listening is not (a load balancer routes it elsewhere).
 */
function keepAliveLoad(url: string) {
  const pool = new Pool(url, { connections: 16, pipelining: 1 });
  const counts = { ok: 0, failed: 0, refused: 0, lost: [] as string[] };
  let running = true;
  let n = 0;
  const client = async () => {
    while (running) {
      const t = Math.floor(Date.now() / 1000) - 3600 - (n++ % 600);
      try {
        const res = await pool.request({ method: 'GET', path: `/api/v1/query?query=up&time=${t}` });
        const text = await res.body.text();
        if (res.statusCode === 200 && text.includes('"success"')) counts.ok++;
        else {
          counts.failed++;
          counts.lost.push(`${res.statusCode} ${text.slice(0, 120)}`);
        }
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'ECONNREFUSED') {
          counts.refused++;
          await sleep(20);
        } else counts.lost.push(`${code ?? ''} ${(err as Error).message}`);
      }
    }
  };
  const clients = Array.from({ length: 16 }, client);
  return {
    counts,
    async stop() {
      running = false;
      await Promise.all(clients);
      await pool.destroy();
    },
  };
}

describe('hot reload', () => {
  it('adds and removes replicas and rejects a bad file, under load, without failing a request', async () => {
    const [a, b] = cluster.urls as [string, string];
    const file = join(dir, 'reload.yaml');
    await writeFile(file, configYaml([a]));
    const gate = await startPromgate(file, ['--web.enable-lifecycle']);
    const load = keepAliveLoad(gate.url);
    try {
      expect(await replicaNames(gate.url)).toHaveLength(1);
      // SIGHUP: a second replica.
      await writeFile(file, configYaml([a, b]));
      gate.child.kill('SIGHUP');
      await until('two replicas', async () => (await replicaNames(gate.url)).length === 2);
      // POST /-/reload: the first one removed.
      await writeFile(file, configYaml([b]));
      expect((await fetch(`${gate.url}/-/reload`, { method: 'POST' })).status).toBe(200);
      expect(await replicaNames(gate.url)).toEqual([new URL(b).host]);
      expect(await metric(gate.url, 'promgate_config_last_reload_successful')).toBe(1);
      const okAt = await metric(gate.url, 'promgate_config_last_reload_success_timestamp_seconds');
      expect(okAt).toBeGreaterThan(Date.now() / 1000 - 60);
      // A bad file: rejected with its reason, the running configuration kept.
      await writeFile(file, `${configYaml([b])}\nrouting: {max_attempts: -1}`);
      const bad = await fetch(`${gate.url}/-/reload`, { method: 'POST' });
      expect(bad.status).toBe(500);
      expect(await bad.text()).toMatch(/max_attempts/);
      expect(await metric(gate.url, 'promgate_config_last_reload_successful')).toBe(0);
      expect(await metric(gate.url, 'promgate_config_last_reload_success_timestamp_seconds')).toBe(okAt);
      expect(await replicaNames(gate.url)).toEqual([new URL(b).host]);
      expect(gate.log()).toMatch(/configuration reload failed/);
      // GET is not a reload.
      expect((await fetch(`${gate.url}/-/reload`)).status).toBe(405);
      await sleep(500);
    } finally {
      await load.stop();
      gate.child.kill('SIGINT');
      await gate.exited;
    }
    expect(load.counts.lost).toEqual([]);
    expect(load.counts.failed).toBe(0);
    expect(load.counts.ok).toBeGreaterThan(100);
  });

  it('without --web.enable-lifecycle, /-/reload stays refused (SIGHUP still reloads)', async () => {
    const file = join(dir, 'no-lifecycle.yaml');
    await writeFile(file, configYaml([cluster.urls[0]!]));
    const gate = await startPromgate(file);
    try {
      expect((await fetch(`${gate.url}/-/reload`, { method: 'POST' })).status).toBe(403);
      await writeFile(file, configYaml(cluster.urls));
      gate.child.kill('SIGHUP');
      await until('two replicas', async () => (await replicaNames(gate.url)).length === 2);
    } finally {
      gate.child.kill('SIGINT');
      await gate.exited;
    }
  });
});

describe('hot reload of --web.config.file', () => {
  it('new basic_auth_users apply to the next request after SIGHUP', async () => {
    const file = join(dir, 'web-reload.yaml');
    const web = join(dir, 'web.yml');
    await writeFile(file, configYaml([cluster.urls[0]!]));
    await writeFile(web, `basic_auth_users:\n  alice: ${bcrypt.hashSync('first', 4)}\n`);
    const gate = await startPromgate(file, [`--web.config.file=${web}`]);
    const ready = (user: string, password: string) =>
      fetch(`${gate.url}/-/ready`, { headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } }).then((r) => r.status);
    try {
      expect((await fetch(`${gate.url}/-/ready`)).status).toBe(401);
      expect(await ready('alice', 'first')).toBe(200);
      await writeFile(web, `basic_auth_users:\n  alice: ${bcrypt.hashSync('second', 4)}\n`);
      gate.child.kill('SIGHUP');
      await until('the new password', async () => (await ready('alice', 'second')) === 200);
      expect(await ready('alice', 'first')).toBe(401);
      // A web config that does not load fails the reload; the running users stay.
      await writeFile(web, 'basic_auth_users: {alice: not-a-bcrypt-hash}\n');
      gate.child.kill('SIGHUP');
      await until('the failed reload', async () => (await metric(gate.url, 'promgate_config_last_reload_successful', 'alice', 'second')) === 0);
      expect(await ready('alice', 'second')).toBe(200);
    } finally {
      gate.child.kill('SIGINT');
      await gate.exited;
    }
  });
});

describe('rolling restart', () => {
  it('SIGTERM: not ready at once, serving through the grace period, then drained with nothing lost', async () => {
    const file = join(dir, 'restart.yaml');
    await writeFile(file, configYaml(cluster.urls));
    const gate = await startPromgate(file);
    const load = keepAliveLoad(gate.url);
    await sleep(500);
    const before = load.counts.ok;
    const signaledAt = Date.now();
    gate.child.kill('SIGTERM');
    await until('not ready', async () => (await get(`${gate.url}/-/ready`)).status === 503, 1_000);
    // Still serving during the grace period.
    await sleep(800);
    expect(load.counts.ok).toBeGreaterThan(before);
    const code = await gate.exited;
    const tookMs = Date.now() - signaledAt;
    await load.stop();
    expect(code).toBe(0);
    expect(tookMs).toBeGreaterThanOrEqual(1_500);
    expect(load.counts.lost).toEqual([]);
    expect(load.counts.failed).toBe(0);
    expect(load.counts.ok).toBeGreaterThan(100);
  });
});
