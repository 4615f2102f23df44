/**
 * promgate as a child process (`node dist/src/main.js`), so its CPU and RSS can be read from
 * /proc apart from the load generator's. Config: the replicas, everything else default unless a
 * scenario sets keys of its own.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/prometheus.js';
import { spawnReady } from './child.js';
import { repoRoot } from './paths.js';

export function promgateConfig(replicaUrls: readonly string[], extra: Readonly<Record<string, unknown>> = {}): string {
  // JSON is YAML. The replicas, and the scenario's own keys if any: health_check (1s interval)
  // and the rest stay default.
  return `${JSON.stringify({ replicas: replicaUrls.map((url, i) => ({ url, name: `replica-${i}` })), ...extra }, null, 2)}\n`;
}

export interface PromgateHandle {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export interface StartPromgateOptions {
  workDir: string;
  replicaUrls: readonly string[];
  tag: string;
  /** Write a V8 CPU profile into this directory when the process exits. */
  cpuProfDir?: string;
  /** Config keys next to the replicas. */
  config?: Readonly<Record<string, unknown>>;
}

export async function startPromgate(o: StartPromgateOptions): Promise<PromgateHandle> {
  const main = join(repoRoot(), 'dist', 'src', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} not found: run \`npm run build\` first`);
  const port = await freePort();
  const cfg = join(o.workDir, `promgate-${o.tag}.yaml`);
  await writeFile(cfg, promgateConfig(o.replicaUrls, o.config));
  const nodeArgs: string[] = [];
  if (o.cpuProfDir !== undefined) {
    await mkdir(o.cpuProfDir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`);
  }
  const url = `http://127.0.0.1:${port}`;
  const child = await spawnReady(
    'promgate',
    process.execPath,
    [...nodeArgs, main, `--config.file=${cfg}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    join(o.workDir, `promgate-${o.tag}.log`),
    `${url}/-/ready`,
  );
  // SIGINT drains and exits normally (which is what makes --cpu-prof write its file) without
  // SIGTERM's rolling-restart grace period (5 s more of serving while not ready): the run is over.
  return { url, pid: child.pid, stop: () => child.stop(35_000, 'SIGINT') };
}
