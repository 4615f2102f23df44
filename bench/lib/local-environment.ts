/**
 * Local mode: real Prometheus replicas, and for each run a fresh HAProxy, promgate or bare-Node
 * limit in front of them (fresh so that CPU, peak RSS and cache state belong to that run alone,
 * and no target idles next to another while it is measured).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requirePrometheus } from '../../test/helpers/require-prometheus.js';
import { DelayProxy } from './delay-proxy.js';
import type { Environment, Fault, FaultKind, Frontend, OpenOptions } from './environment.js';
import { haproxyVersion, startHaproxy } from './haproxy.js';
import { startLocalCluster, type LocalCluster } from './local-cluster.js';
import { startNodeLimit } from './node-limit.js';
import { startPromgate } from './promgate-process.js';
import { QueryLogMeter } from './query-log-meter.js';
import type { TargetName } from './types.js';
import { UpstreamCounter } from './upstream-counter.js';

/** Extra latency of the slowed replica's queries in failover-slow. */
export const SLOW_DELAY_MS = 500;
/** Which replica the failover and outage scenarios hit. */
const VICTIM = 0;
/** A replica no fault touches: the truth answers are judged against (outage). */
const TRUTH = 1;

export async function startLocalEnvironment(replicas: number, nowMs: number): Promise<Environment> {
  requirePrometheus();
  const haproxy = haproxyVersion();
  if (haproxy === undefined) throw new Error('haproxy not found on PATH; local mode compares against it (Debian/Ubuntu: apt-get install haproxy)');
  const work = await mkdtemp(join(tmpdir(), 'promgate-bench-'));
  let cluster: LocalCluster;
  try {
    cluster = await startLocalCluster(replicas, nowMs);
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw err;
  }
  return new LocalEnvironment(work, cluster, { prometheus: prometheusVersion(), haproxy });
}

class LocalEnvironment implements Environment {
  readonly querySet = 'demo' as const;
  readonly counter: UpstreamCounter;
  readonly queryLog: QueryLogMeter | undefined;
  readonly truthUrl: string | undefined;
  readonly versions: Record<string, string>;
  readonly #work: string;
  readonly #cluster: LocalCluster;
  #proxy: DelayProxy | undefined;

  constructor(work: string, cluster: LocalCluster, versions: Record<string, string>) {
    this.#work = work;
    this.#cluster = cluster;
    this.versions = versions;
    this.counter = new UpstreamCounter(cluster.replicas);
    this.queryLog = QueryLogMeter.of(cluster.replicas.map((r) => r.queryLogFile));
    this.truthUrl = cluster.urls[TRUTH];
  }

  targetsFor(wanted: readonly TargetName[]): readonly TargetName[] {
    return wanted;
  }

  async open(target: TargetName, o: OpenOptions): Promise<Frontend> {
    const urls = [...this.#cluster.urls];
    let proxy: DelayProxy | undefined;
    if (o.slowReplica === true) {
      proxy = await DelayProxy.start(urls[VICTIM]!);
      urls[VICTIM] = proxy.url;
    }
    this.#proxy = proxy;
    const tag = `${o.scenario}-${o.round}`;
    const closeProxy = async (): Promise<void> => {
      if (proxy !== undefined) await proxy.close();
      if (this.#proxy === proxy) this.#proxy = undefined;
    };
    try {
      const fe = await this.#start(target, urls, tag, o);
      return {
        url: fe.url,
        pid: fe.pid,
        stop: async () => {
          await fe.stop();
          await closeProxy();
        },
      };
    } catch (err) {
      await closeProxy();
      throw err;
    }
  }

  #start(target: TargetName, urls: readonly string[], tag: string, o: OpenOptions): Promise<Frontend> {
    const workDir = this.#work;
    switch (target) {
      case 'promgate':
        return startPromgate({ workDir, replicaUrls: urls, tag, config: o.promgateConfig, ...(o.cpuProfDir !== undefined ? { cpuProfDir: o.cpuProfDir } : {}) });
      case 'haproxy':
        return startHaproxy(workDir, urls, tag);
      case 'node-bytes':
        if (o.paths.length === 0) throw new Error(`${o.scenario}: node-bytes answers fixed URLs, and this scenario builds its own per request`);
        return startNodeLimit('node-bytes', { workDir, replicaUrls: urls, tag, paths: o.paths });
      case 'node-proxy':
        return startNodeLimit('node-proxy', { workDir, replicaUrls: urls, tag, paths: [] });
      default:
        throw new Error(`local mode has no target "${target}"`);
    }
  }

  fault(kind: FaultKind): Fault | undefined {
    const victim = this.#cluster.replicas[VICTIM]!;
    switch (kind) {
      case 'kill': {
        let restarted: Promise<void> = Promise.resolve();
        return {
          inject: async () => {
            await this.counter.bank(VICTIM);
            victim.kill('SIGKILL');
            return `kill -9 ${victim.name}`;
          },
          recover: async () => {
            restarted = victim.restart();
            restarted.catch(() => undefined);
            return `restart ${victim.name}`;
          },
          settled: async () => {
            await restarted;
            return `${victim.name} ready`;
          },
        };
      }
      case 'freeze':
        return {
          inject: async () => {
            victim.kill('SIGSTOP');
            return `SIGSTOP ${victim.name}`;
          },
          recover: async () => {
            victim.kill('SIGCONT');
            return `SIGCONT ${victim.name}`;
          },
        };
      case 'slow': {
        const proxy = this.#proxy;
        if (proxy === undefined) return undefined;
        return {
          inject: async () => {
            proxy.delayMs = SLOW_DELAY_MS;
            return `${victim.name} +${SLOW_DELAY_MS} ms`;
          },
          recover: async () => {
            proxy.delayMs = 0;
            return `${victim.name} fast again`;
          },
        };
      }
    }
  }

  async settle(): Promise<void> {
    for (const r of this.#cluster.replicas) {
      try {
        r.kill('SIGCONT'); // harmless when not frozen; a run that failed mid-freeze must not leave one stopped
      } catch {
        await r.restart(); // not running: a kill whose restart failed or never came
      }
      await r.waitReady(60_000);
    }
  }

  async close(): Promise<void> {
    await this.#proxy?.close();
    await this.#cluster.stop();
    await rm(this.#work, { recursive: true, force: true });
  }
}

function prometheusVersion(): string {
  try {
    const out = execFileSync(requirePrometheus().prometheus, ['--version'], { encoding: 'utf8' });
    return /version (\S+)/.exec(out)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
