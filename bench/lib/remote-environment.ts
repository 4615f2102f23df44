/**
 * Remote mode: the user's own front ends, compared as they are. Nothing is started; failover is
 * the user's `--chaos-stop` / `--chaos-start` commands (e.g. `systemctl stop prometheus@2`), and
 * evaluations are counted only on replicas named with `--replica`.
 */
import { exec } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { waitForOk } from './child.js';
import type { Environment, Fault, FaultKind, Frontend } from './environment.js';
import type { TargetUrl } from './args.js';
import type { TargetName } from './types.js';
import { UpstreamCounter } from './upstream-counter.js';

const execP = promisify(exec);
const CHAOS_TIMEOUT_MS = 60_000;
/** After a chaos-start, give health checks (rise 2 × 1 s in the seed setups) time to see the replica. */
const SETTLE_MS = 3_000;

export interface RemoteOptions {
  targets: readonly TargetUrl[];
  replicaUrls: readonly string[];
  chaosStop: string | undefined;
  chaosStart: string | undefined;
}

export function remoteEnvironment(o: RemoteOptions): Environment {
  const byName = new Map(o.targets.map((t) => [t.name, t.url]));
  let chaosRan = false;
  const run = async (cmd: string): Promise<void> => {
    chaosRan = true;
    await execP(cmd, { timeout: CHAOS_TIMEOUT_MS, shell: '/bin/sh' });
  };
  return {
    // The limits run next to the replicas, which a remote run does not own: its own targets only.
    targetsFor: () => o.targets.map((t) => t.name as TargetName),
    querySet: 'self',
    counter: new UpstreamCounter(o.replicaUrls.map((url, i) => ({ name: `replica-${i}`, url }))),
    queryLog: undefined, // the replicas' query logs are on their hosts, if they keep one at all
    truthUrl: undefined, // which replica the chaos commands spare is theirs to know
    versions: {},
    async open(target): Promise<Frontend> {
      const url = byName.get(target);
      if (url === undefined) throw new Error(`no target "${target}"`);
      return { url, pid: undefined, stop: async () => undefined };
    },
    fault(kind: FaultKind): Fault | undefined {
      const { chaosStop, chaosStart } = o;
      if (kind !== 'kill' || chaosStop === undefined || chaosStart === undefined) return undefined;
      return {
        inject: async () => {
          await run(chaosStop);
          return `chaos-stop`;
        },
        recover: async () => {
          await run(chaosStart);
          return `chaos-start`;
        },
      };
    },
    async settle() {
      if (chaosRan) await sleep(SETTLE_MS);
      chaosRan = false;
      for (const t of o.targets) await waitForOk(`${t.url}/-/ready`, 60_000).catch(() => undefined);
    },
    async close() {},
  };
}
