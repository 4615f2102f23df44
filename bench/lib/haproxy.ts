/**
 * HAProxy with the seed configuration promgate replaces: round robin over the replicas, active
 * checks on /-/ready, nothing else (no retries, no redispatch), as most HA Prometheus setups run it.
 */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/prometheus.js';
import { spawnReady, type ChildHandle } from './child.js';

export function haproxyConfig(port: number, replicaUrls: readonly string[]): string {
  const servers = replicaUrls.map((u, i) => {
    const url = new URL(u);
    return `  server p${i + 1} ${url.hostname}:${url.port || '80'} check inter 1s fall 2 rise 2`;
  });
  return [
    'global',
    '  maxconn 4096',
    '',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 5m',
    '  timeout server 5m',
    '',
    'frontend fe',
    `  bind 127.0.0.1:${port}`,
    '  default_backend prom',
    '',
    'backend prom',
    '  balance roundrobin',
    '  option httpchk GET /-/ready',
    ...servers,
    '',
  ].join('\n');
}

export interface HaproxyHandle {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts `haproxy -f cfg -db` on a free loopback port and waits until it proxies /-/ready. */
export async function startHaproxy(workDir: string, replicaUrls: readonly string[], tag: string): Promise<HaproxyHandle> {
  const port = await freePort();
  const cfg = join(workDir, `haproxy-${tag}.cfg`);
  await writeFile(cfg, haproxyConfig(port, replicaUrls));
  const url = `http://127.0.0.1:${port}`;
  const child: ChildHandle = await spawnReady('haproxy', 'haproxy', ['-f', cfg, '-db'], join(workDir, `haproxy-${tag}.log`), `${url}/-/ready`);
  return { url, pid: child.pid, stop: () => child.stop() };
}

/** e.g. "2.6.12-1+deb12u4"; undefined when haproxy is not on PATH. */
export function haproxyVersion(): string | undefined {
  try {
    const out = execFileSync('haproxy', ['-v'], { encoding: 'utf8' });
    return /version (\S+)/i.exec(out)?.[1];
  } catch {
    return undefined;
  }
}
