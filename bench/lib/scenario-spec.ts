import type { AnswerCheckSpec } from './answer-check.js';
import type { FaultKind } from './environment.js';
import type { RequestsFor } from './load.js';
import type { QuerySet } from './queries.js';
import type { RequestRecord, ScenarioRun, TargetCheck, TargetName } from './types.js';

/** One run's outcome with its raw records (kept in memory for pooled percentiles, not written out). */
export interface RunData {
  run: ScenarioRun;
  records: RequestRecord[];
}

export interface ScenarioContext {
  querySet: QuerySet;
  /** Concurrent connections of this run (the scenario's own, or --connections). */
  connections: number;
  /** When the scenario began (its first run): what every run of a static scenario asks alike. */
  scenarioStartMs: number;
  /** When this run began. */
  runStartMs: number;
  /** The wall clock. */
  nowMs: () => number;
}

/** promgate ÷ HAProxy and promgate ÷ the scenario's limit (ok requests/s, medians of rounds). */
export interface Ratios {
  haproxy: number | null;
  limit: number | null;
}

/** What a scenario file defines; the runner does the rest. */
export interface ScenarioSpec {
  name: string;
  description: string;
  connections: number;
  /** Local mode's targets in round order: promgate, HAProxy, then the limit, if any, it is measured against. */
  targets: readonly TargetName[];
  /** Built at each run's start. */
  requests(ctx: ScenarioContext): RequestsFor;
  fault?: FaultKind;
  /** After the load and the fault's recovery, judge answers against a replica the fault never touched. */
  answerCheck?: AnswerCheckSpec;
  /** promgate config keys for this scenario, next to the replicas (e.g. `{ ha: { probe_interval: '1s' } }`). */
  promgateConfig?: Readonly<Record<string, unknown>>;
  /** Profile promgate during this scenario when --cpu-prof is given. */
  profile?: boolean;
  /** Goals, given every run (all targets, all rounds) and promgate's ratios. */
  goals(runs: readonly RunData[], ratios: Ratios): TargetCheck[];
}

/** Targets that measure what no Node server could beat, rather than a product. */
export function isLimit(target: TargetName): boolean {
  return target === 'node-bytes' || target === 'node-proxy';
}
