/**
 * `promgate demo`: two real Prometheus replicas with six hours of identical backfilled history and
 * live scraping of a demo exporter, promgate in front of them, and (with --chaos) one replica
 * faulted now and then so failover and holes can be watched on the status page while Grafana or
 * promtool keeps querying. Ctrl-C stops everything it started and removes its files.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { buildApp } from '../app.js';
import { parseConfigText } from '../config/index.js';
import { demoExposition, demoHistory } from './demo-metrics.js';
import { backfill, PrometheusProcess, which } from './prometheus-process.js';

export type Chaos = 'kill' | 'freeze' | 'slow';

export interface DemoOptions {
  readonly listenAddress: string;
  readonly chaos?: Chaos | undefined;
  /** Time between the starts of two faults; each lasts a third of it. */
  readonly chaosIntervalMs: number;
  readonly out: (line: string) => void;
  /** Shown on the status page. */
  readonly version?: string;
  /** Resolves when the demo should stop (Ctrl-C). */
  readonly stopped: Promise<unknown>;
}

const HISTORY_MS = 6 * 3_600_000;
const STEP_MS = 15_000;

export const INSTALL_HINT = `promgate demo runs real Prometheus servers: it needs \`prometheus\` and \`promtool\` on PATH.
  Debian/Ubuntu:  sudo apt-get install prometheus     (then: sudo systemctl stop prometheus)
  Anywhere else:  download from https://prometheus.io/download/ and put both binaries on PATH
`;

export async function runDemo(o: DemoOptions): Promise<number> {
  const [prometheus, promtool] = await Promise.all([which('prometheus'), which('promtool')]);
  if (!prometheus || !promtool) {
    o.out(INSTALL_HINT);
    return 1;
  }
  const work = await mkdtemp(join(tmpdir(), 'promgate-demo-'));
  const cleanups: Array<() => Promise<unknown>> = [() => rm(work, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  // Ctrl-C during the start (a backfill, a replica starting) stops at the next step, not after it.
  let stopping = false;
  void o.stopped.then(() => (stopping = true));
  const stopIfAsked = () => {
    if (stopping) throw new DemoStopped();
  };
  try {
    o.out(`promgate demo: working in ${work}`);
    const exporter = await listen(createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(demoExposition(Date.now()))));
    cleanups.push(() => close(exporter));
    const [portA, portB] = await Promise.all([freePort(), freePort()]);
    const configFile = join(work, 'prometheus.yml');
    await writeFile(configFile, prometheusConfig(`127.0.0.1:${port(exporter)}`));

    o.out('promgate demo: backfilling 6 h of demo history (promtool)…');
    const now = Date.now();
    const start = Math.floor((now - HISTORY_MS) / STEP_MS) * STEP_MS;
    await mkdir(join(work, 'a'));
    stopIfAsked();
    await backfill(promtool, demoHistory(start, now - 60_000, STEP_MS, `127.0.0.1:${port(exporter)}`), join(work, 'a'), work);
    // Identical replicas: one set of blocks, copied.
    await cp(join(work, 'a'), join(work, 'b'), { recursive: true });
    const replicas = (['a', 'b'] as const).map(
      (n, i) => new PrometheusProcess({ binary: prometheus, name: `replica-${n}`, port: i === 0 ? portA : portB, dataDir: join(work, n), configFile, logFile: join(work, `${n}.log`) }),
    );
    cleanups.push(() => Promise.all(replicas.map((r) => r.stop())));
    stopIfAsked();
    await Promise.all(replicas.map((r) => r.start()));
    stopIfAsked();

    // --chaos slow: replica b is reached through a proxy that can hold every request back.
    const slow = { delayMs: 0 };
    const delayProxy = o.chaos === 'slow' ? await listen(createServer((req, res) => void forwardLater(replicas[1]!.url, slow, req, res))) : undefined;
    if (delayProxy) cleanups.push(() => close(delayProxy));
    const urlB = delayProxy ? `http://127.0.0.1:${port(delayProxy)}` : replicas[1]!.url;

    const config = parseConfigText(
      [
        `listen_address: "${o.listenAddress}"`,
        'log_level: warn',
        `replicas: [{name: replica-a, url: "${replicas[0]!.url}"}, {name: replica-b, url: "${urlB}"}]`,
        'health_check: {interval: 1s, timeout: 800ms}',
      ].join('\n'),
    );
    const app = buildApp(config, { processMetrics: true, version: o.version });
    cleanups.push(() => app.close());
    await app.start();
    stopIfAsked();
    const address = await app.listen();
    o.out('');
    o.out(`promgate is running in front of two Prometheus replicas (${replicas.map((r) => `${r.opts.name} ${r.url}`).join(', ')}).`);
    o.out(`  status page          ${address}/`);
    o.out(`  query API            ${address}/api/v1/query?query=sum%20by%20(instance)%20(rate(demo_http_requests_total%5B5m%5D))`);
    o.out(`  Grafana data source  ${address}   (type Prometheus)`);
    o.out(`  promtool             promtool query instant ${address} 'up'`);
    o.out(o.chaos ? `  chaos                ${o.chaos} one replica every ${o.chaosIntervalMs / 1000} s` : '  chaos                off (try --chaos kill, freeze or slow)');
    o.out('Ctrl-C stops everything.');

    const chaos = o.chaos ? startChaos(o.chaos, o.chaosIntervalMs, replicas, slow, o.out) : undefined;
    if (chaos) cleanups.push(async () => chaos.stop());
    await o.stopped;
    o.out('promgate demo: stopping');
    return 0;
  } catch (err) {
    // Ctrl-C in a terminal reaches promtool and the starting servers too: their failure is the stop.
    if (err instanceof DemoStopped || stopping) return 0;
    o.out(`promgate demo failed: ${(err as Error).message}`);
    return 1;
  } finally {
    await cleanup();
  }
}

class DemoStopped extends Error {}

/** Faults one replica (alternating) for a third of every interval, then restores it. */
function startChaos(kind: Chaos, intervalMs: number, replicas: PrometheusProcess[], slow: { delayMs: number }, out: (line: string) => void) {
  let round = 0;
  let restore: ReturnType<typeof setTimeout> | undefined;
  const fault = () => {
    // Slowness is injected in front of replica b only.
    const r = kind === 'slow' ? replicas[1]! : replicas[round++ % replicas.length]!;
    const at = new Date().toISOString();
    if (kind === 'kill') r.signal('SIGKILL');
    if (kind === 'freeze') r.signal('SIGSTOP');
    if (kind === 'slow') slow.delayMs = 3_000;
    out(`chaos ${at}: ${kind} ${r.opts.name}`);
    restore = setTimeout(() => {
      if (kind === 'kill') void r.start().then(() => out(`chaos: ${r.opts.name} restarted (its data has a hole now)`), (e: Error) => out(`chaos: restart failed: ${e.message}`));
      if (kind === 'freeze') r.signal('SIGCONT');
      if (kind === 'slow') slow.delayMs = 0;
      if (kind !== 'kill') out(`chaos: ${r.opts.name} back`);
    }, intervalMs / 3);
  };
  const timer = setInterval(fault, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      if (restore) clearTimeout(restore);
      slow.delayMs = 0;
      for (const r of replicas) r.signal('SIGCONT');
    },
  };
}

async function forwardLater(target: string, slow: { delayMs: number }, req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
  try {
    if (slow.delayMs > 0) await new Promise((r) => setTimeout(r, slow.delayMs));
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const { 'content-type': contentType, 'accept-encoding': encoding } = req.headers;
    const answer = await request(`${target}${req.url ?? '/'}`, {
      method: req.method as 'GET',
      headers: { ...(contentType ? { 'content-type': contentType } : {}), ...(encoding ? { 'accept-encoding': encoding } : {}) },
      body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
    });
    const headers = Object.fromEntries(Object.entries(answer.headers).filter(([k]) => k !== 'connection' && k !== 'keep-alive' && k !== 'transfer-encoding'));
    res.writeHead(answer.statusCode, headers as Record<string, string>);
    res.end(Buffer.from(await answer.body.arrayBuffer()));
  } catch {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  }
}

function prometheusConfig(exporter: string): string {
  return `global:
  scrape_interval: 5s
  evaluation_interval: 5s
scrape_configs:
  - job_name: demo
    honor_labels: true
    static_configs: [{targets: ["${exporter}"]}]
`;
}

async function listen(server: Server): Promise<Server> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function port(server: Server): number {
  return (server.address() as AddressInfo).port;
}

async function freePort(): Promise<number> {
  const s = await listen(createServer());
  const p = port(s);
  await close(s);
  return p;
}
