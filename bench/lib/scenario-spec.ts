import type { AnswerCheckSpec } from './answer-check.js';
import type { FaultKind } from './environment.js';
import type { LoadRequest } from './load.js';
import type { QuerySet } from './queries.js';
import type { RequestRecord, ScenarioRun, TargetCheck } from './types.js';

/** One run's outcome with its raw records (kept in memory for pooled percentiles, not written out). */
export interface RunData {
  run: ScenarioRun;
  records: RequestRecord[];
}

export interface ScenarioContext {
  querySet: QuerySet;
  /** Wall clock, for windows that slide like a dashboard's. */
  nowMs: () => number;
}

/** What a scenario file defines; the runner does the rest. */
export interface ScenarioSpec {
  name: string;
  description: string;
  connections: number;
  /** The request templates for one run, built at the run's start. */
  requests(ctx: ScenarioContext): LoadRequest[];
  fault?: FaultKind;
  /** After the load and the fault's recovery, judge answers against a replica the fault never touched. */
  answerCheck?: AnswerCheckSpec;
  /** promgate config keys for this scenario, next to the replicas (e.g. `{ ha: { probe_interval: '1s' } }`). */
  promgateConfig?: Readonly<Record<string, unknown>>;
  /** Profile promgate during this scenario when --cpu-prof is given. */
  profile?: boolean;
  /** Goals, given every run (all targets, all rounds) and the promgate/HAProxy ratio. */
  goals(runs: readonly RunData[], ratio: number | null): TargetCheck[];
}
