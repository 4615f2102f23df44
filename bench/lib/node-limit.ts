/**
 * The bare-Node limits as child processes (bench/limits/*), so they neither share the load
 * generator's event loop nor hide their CPU in it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/prometheus.js';
import { spawnReady } from './child.js';
import { repoRoot } from './paths.js';

export type NodeLimit = 'node-bytes' | 'node-proxy';

export interface NodeLimitHandle {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * node-bytes serves `paths` (fetched once from the first replica) and /-/ready; node-proxy
 * forwards everything to the replicas. Either is ready once /-/ready answers 200.
 */
export async function startNodeLimit(kind: NodeLimit, o: { workDir: string; replicaUrls: readonly string[]; tag: string; paths: readonly string[] }): Promise<NodeLimitHandle> {
  const script = join(repoRoot(), 'dist', 'bench', 'limits', `${kind}.js`);
  if (!existsSync(script)) throw new Error(`${script} not found: run \`npm run build\` first`);
  const port = await freePort();
  const args =
    kind === 'node-bytes'
      ? ['--upstream', o.replicaUrls[0]!, ...['/-/ready', ...o.paths].flatMap((p) => ['--path', p])]
      : o.replicaUrls.flatMap((u) => ['--upstream', u]);
  const url = `http://127.0.0.1:${port}`;
  const child = await spawnReady(kind, process.execPath, [script, '--port', String(port), ...args], join(o.workDir, `${kind}-${o.tag}.log`), `${url}/-/ready`);
  return { url, pid: child.pid, stop: () => child.stop() };
}
