// Starts a real Prometheus on loopback for integration tests and benchmarks.
//
// Children must never outlive the test process. Three layers: callers stop/dispose handles; a
// process 'exit' hook SIGKILLs whatever is left; and a tiny `sh` watchdog per child, reading a pipe
// from us, SIGKILLs the child when that pipe closes, which also covers our dying by SIGKILL.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { prepareDataDir } from './backfill.js';
import { httpGet } from './http-get.js';
import type { OpenMetricsOptions } from './openmetrics.js';
import { requirePrometheus } from './require-prometheus.js';

const DEFAULT_READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

export interface StartPrometheusOptions {
  readonly name?: string;
  /** A data dir already prepared (e.g. by prepareDataDir). */
  readonly dataDir?: string;
  /** Or: data to backfill into a fresh data dir inside the handle's work dir. Neither: empty TSDB. */
  readonly data?: OpenMetricsOptions;
  /** Scrape itself every 1s, so there is live data next to the backfilled past. */
  readonly selfScrape?: boolean;
  /** Set global.query_log_file, so readQueryLog() can count the replica's own evaluations. */
  readonly queryLogFile?: boolean;
  /** host:port targets every replica scrapes each second under job "shared" (an HA pair's common targets). */
  readonly scrapeTargets?: readonly string[];
  readonly extraArgs?: readonly string[];
  /** Fixed port; default a free one. */
  readonly port?: number;
  readonly readyTimeoutMs?: number;
}

export interface PrometheusHandle {
  readonly name: string;
  /** http://127.0.0.1:<port>, no trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Temp dir holding prometheus.yml, the stderr log and the query log. */
  readonly workDir: string;
  readonly logFile: string;
  readonly queryLogFile: string | undefined;
  /** The current child (a new one after restart()). */
  readonly process: ChildProcess;
  readonly pid: number;
  /** Sends a signal to the current child, e.g. SIGSTOP / SIGCONT to freeze and thaw it. */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM (and SIGCONT, in case it is frozen), SIGKILL after 5s. Resolves once it has exited. */
  stop(): Promise<void>;
  /** Starts again on the same port and data dir and waits until ready. */
  restart(): Promise<void>;
  /** Polls /-/ready until 200; throws if the child exits or the time runs out. */
  waitReady(timeoutMs?: number): Promise<void>;
  /** stop(), then remove the work dir (holding the data dir unless the caller passed one). PROMGATE_KEEP_TMP=1 keeps it. */
  dispose(): Promise<void>;
}

// Process-wide on purpose: the 'exit' hook must reach every child whatever handle leaked it.
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
  });
}

/** A port that was free a moment ago (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Kills `pid` with SIGKILL as soon as our end of its stdin pipe closes, i.e. when we die. */
function spawnWatchdog(pid: number): ChildProcess {
  const dog = spawn('sh', ['-c', 'read _; kill -KILL "$1" 2>/dev/null', 'watchdog', String(pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  dog.on('error', () => undefined);
  dog.unref();
  (dog.stdin as unknown as Socket | null)?.unref();
  return dog;
}

async function tail(file: string, lines = 20): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

class PrometheusProcess implements PrometheusHandle {
  readonly name: string;
  readonly workDir: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly queryLogFile: string | undefined;
  readonly #configFile: string;
  readonly #extraArgs: readonly string[];
  readonly #selfScrape: boolean;
  readonly #scrapeTargets: readonly string[];
  readonly #readyTimeoutMs: number;
  #port: number;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();

  constructor(o: {
    name: string;
    workDir: string;
    dataDir: string;
    port: number;
    queryLogFile: string | undefined;
    selfScrape: boolean;
    scrapeTargets: readonly string[];
    extraArgs: readonly string[];
    readyTimeoutMs: number;
  }) {
    this.name = o.name;
    this.workDir = o.workDir;
    this.dataDir = o.dataDir;
    this.#port = o.port;
    this.queryLogFile = o.queryLogFile;
    this.#selfScrape = o.selfScrape;
    this.#scrapeTargets = o.scrapeTargets;
    this.#extraArgs = o.extraArgs;
    this.#readyTimeoutMs = o.readyTimeoutMs;
    this.logFile = join(o.workDir, 'prometheus.log');
    this.#configFile = join(o.workDir, 'prometheus.yml');
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get process(): ChildProcess {
    if (this.#child === undefined) throw new Error(`${this.name}: not started`);
    return this.#child;
  }

  get pid(): number {
    const pid = this.process.pid;
    if (pid === undefined) throw new Error(`${this.name}: no pid`);
    return pid;
  }

  #running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  async writeConfig(): Promise<void> {
    // JSON is YAML; no YAML dependency needed here.
    const config = {
      global: {
        scrape_interval: '1s',
        scrape_timeout: '1s',
        evaluation_interval: '1s',
        ...(this.queryLogFile === undefined ? {} : { query_log_file: this.queryLogFile }),
      },
      scrape_configs: [
        ...(this.#selfScrape ? [{ job_name: 'prometheus', static_configs: [{ targets: [`127.0.0.1:${this.#port}`], labels: { replica: this.name } }] }] : []),
        ...(this.#scrapeTargets.length > 0 ? [{ job_name: 'shared', static_configs: [{ targets: this.#scrapeTargets }] }] : []),
      ],
    };
    await writeFile(this.#configFile, JSON.stringify(config, null, 2));
  }

  async spawn(): Promise<void> {
    const { prometheus } = requirePrometheus();
    const args = [
      `--config.file=${this.#configFile}`,
      `--web.listen-address=127.0.0.1:${this.#port}`,
      `--storage.tsdb.path=${this.dataDir}`,
      // Backfilled data is in the past; the default 15d retention would delete it.
      '--storage.tsdb.retention.time=100y',
      // Enabled so tests can prove promgate never forwards admin or lifecycle calls.
      '--web.enable-admin-api',
      '--web.enable-lifecycle',
      '--log.level=info',
      ...this.#extraArgs,
    ];
    const logFd = openSync(this.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(prometheus, args, { stdio: ['ignore', logFd, logFd] });
    } finally {
      closeSync(logFd);
    }
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    this.#child = child;
    liveChildren.add(child);
    installExitHook();
    const watchdog = spawnWatchdog(child.pid!);
    this.#exited = new Promise((resolve) => {
      child.once('exit', () => {
        liveChildren.delete(child);
        watchdog.kill('SIGKILL');
        resolve();
      });
    });
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (!this.#running()) throw new Error(`${this.name}: not running`);
    this.process.kill(signal);
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined || !this.#running()) return this.#exited;
    child.kill('SIGTERM');
    child.kill('SIGCONT'); // a frozen process only acts on SIGTERM once thawed
    const timer = sleep(STOP_GRACE_MS, 'timeout' as const, { ref: false });
    if ((await Promise.race([this.#exited, timer])) === 'timeout') {
      child.kill('SIGKILL');
      await this.#exited;
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.spawn();
    await this.waitReady();
  }

  async waitReady(timeoutMs = this.#readyTimeoutMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      if (!this.#running()) {
        throw new Error(`${this.name}: prometheus exited (${this.#child?.exitCode ?? this.#child?.signalCode}) before ready; log:\n${await tail(this.logFile)}`);
      }
      try {
        const res = await httpGet(`${this.url}/-/ready`, Math.max(100, Math.min(2_000, deadline - Date.now())));
        if (res.status === 200) return;
        last = `HTTP ${res.status}`;
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() >= deadline) {
        throw new Error(`${this.name}: not ready after ${timeoutMs}ms (${last}); log:\n${await tail(this.logFile)}`);
      }
      await sleep(100);
    }
  }

  async dispose(): Promise<void> {
    await this.stop();
    if (process.env.PROMGATE_KEEP_TMP === '1') return;
    await rm(this.workDir, { recursive: true, force: true });
  }

  /** First start only: another process may take the port between freePort() and our bind. */
  async startOnFreshPortIfTaken(fixedPort: boolean): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      await this.writeConfig();
      await this.spawn();
      try {
        await this.waitReady();
        return;
      } catch (err) {
        const log = await tail(this.logFile, 5);
        if (fixedPort || attempt >= 2 || !/address already in use/.test(log)) {
          await this.stop();
          throw err;
        }
        await this.stop();
        this.#port = await freePort();
      }
    }
  }
}

/** Starts one Prometheus and waits until /-/ready answers 200. */
export async function startPrometheus(opts: StartPrometheusOptions = {}): Promise<PrometheusHandle> {
  requirePrometheus();
  const name = opts.name ?? 'prometheus';
  const workDir = await mkdtemp(join(tmpdir(), `promgate-${name.replace(/[^\w.-]/g, '_')}-`));
  try {
    let dataDir = opts.dataDir;
    if (dataDir === undefined) {
      dataDir = join(workDir, 'data');
      if (opts.data === undefined) await mkdir(dataDir);
      else await prepareDataDir({ ...opts.data, dest: dataDir });
    }
    const handle = new PrometheusProcess({
      name,
      workDir,
      dataDir,
      port: opts.port ?? (await freePort()),
      queryLogFile: opts.queryLogFile === true ? join(workDir, 'query.log') : undefined,
      selfScrape: opts.selfScrape ?? false,
      scrapeTargets: opts.scrapeTargets ?? [],
      extraArgs: opts.extraArgs ?? [],
      readyTimeoutMs: opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
    });
    await handle.startOnFreshPortIfTaken(opts.port !== undefined);
    return handle;
  } catch (err) {
    if (process.env.PROMGATE_KEEP_TMP !== '1') await rm(workDir, { recursive: true, force: true });
    throw err;
  }
}

/** Sum over status codes of prometheus_http_requests_total{handler=<handlerPath>} from the replica's /metrics. */
export async function countRequests(handle: PrometheusHandle, handlerPath: string): Promise<number> {
  const res = await httpGet(`${handle.url}/metrics`);
  if (res.status !== 200) throw new Error(`${handle.name}: /metrics answered ${res.status}`);
  let total = 0;
  for (const line of res.body.split('\n')) {
    if (!line.startsWith('prometheus_http_requests_total{')) continue;
    const handler = /[{,]handler="((?:[^"\\]|\\.)*)"/.exec(line)?.[1];
    if (handler !== handlerPath) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** One line of Prometheus's query log (global.query_log_file), written after each evaluation. */
export interface QueryLogEntry {
  readonly params: { readonly query: string; readonly start: string; readonly end: string; readonly step: number };
  readonly httpRequest?: { readonly clientIP: string; readonly method: string; readonly path: string };
  readonly stats?: unknown;
  readonly ts: string;
  readonly [key: string]: unknown;
}

/** Every evaluation the replica logged so far (instant queries have step 0). */
export async function readQueryLog(handle: PrometheusHandle): Promise<QueryLogEntry[]> {
  if (handle.queryLogFile === undefined) throw new Error(`${handle.name}: started without queryLogFile: true`);
  let text: string;
  try {
    text = await readFile(handle.queryLogFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as QueryLogEntry);
}
