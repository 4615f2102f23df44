/**
 * The system under test, as the runner sees it: named front ends to open for a run, replicas
 * to count evaluations on, and faults to inject. Two implementations: local (everything started
 * here on loopback, the bare-Node limits included) and remote (the user's URLs and chaos commands).
 */
import type { QueryLogMeter } from './query-log-meter.js';
import type { QuerySet } from './queries.js';
import type { TargetName } from './types.js';
import type { UpstreamCounter } from './upstream-counter.js';

export type FaultKind = 'kill' | 'freeze' | 'slow';

export interface Frontend {
  url: string;
  /** For CPU/RSS from /proc; undefined when the process is not ours. */
  pid: number | undefined;
  stop(): Promise<void>;
}

export interface OpenOptions {
  scenario: string;
  round: number;
  /** Route replica 0 through a delay proxy for this run (failover-slow). */
  slowReplica?: boolean;
  /** Run promgate under --cpu-prof, writing here. */
  cpuProfDir?: string;
  /** promgate config keys next to the replicas. */
  promgateConfig?: Readonly<Record<string, unknown>>;
  /** The run's fixed request paths: what node-bytes answers. */
  paths: readonly string[];
}

/** One fault: `inject` at a third of the run, `recover` at two thirds. Each returns its chart label. */
export interface Fault {
  inject(): Promise<string>;
  recover(): Promise<string>;
  /** Resolves once the system is whole again (a killed replica ready), after recover(). */
  settled?(): Promise<string | undefined>;
}

export interface Environment {
  /** The targets to run, in round order, for a scenario that wants `wanted` (local mode runs those; remote mode its own). */
  targetsFor(wanted: readonly TargetName[]): readonly TargetName[];
  readonly querySet: QuerySet;
  readonly counter: UpstreamCounter;
  /** The replicas' query logs, for range points evaluated; undefined when they keep none (remote). */
  readonly queryLog: QueryLogMeter | undefined;
  /** A replica no fault ever touches, asked directly to judge answers; undefined when unknown (remote). */
  readonly truthUrl: string | undefined;
  readonly versions: Record<string, string>;
  open(target: TargetName, o: OpenOptions): Promise<Frontend>;
  /** The fault of a kind for the current run; undefined when this environment cannot make it. */
  fault(kind: FaultKind): Fault | undefined;
  /** Between runs: wait until every replica is back and healthy. */
  settle(): Promise<void>;
  close(): Promise<void>;
}
