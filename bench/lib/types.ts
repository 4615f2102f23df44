/**
 * The benchmark's result model: what the runner measures, what `results.json` holds, and what
 * the report and charts read. Plain data (no Maps, Dates, classes, NaN or Infinity) so a JSON
 * round trip gives back an equal value; "unknown" is `null`, never NaN (which JSON would turn
 * into null anyway) or 0 (which would lie). Times are ms; `*Ms` fields inside a scenario run are
 * relative to that run's start, so rounds and targets line up on the same chart axis.
 */

/**
 * Which HTTP front end served the requests: promgate, HAProxy, the bare-Node limits (node-bytes:
 * the same bytes from memory; node-proxy: forward and pipe back), or a remote target's own name.
 */
export type TargetName = 'promgate' | 'haproxy' | 'node-bytes' | 'node-proxy' | (string & {});

/** One client request: sent `startMs` after the run started, answered (or failed) `latencyMs` later. */
export interface RequestRecord {
  startMs: number;
  latencyMs: number;
  /** 0 for a transport error (refused, reset, timeout before headers). */
  status: number;
  /** 2xx with a `"status":"success"` body. */
  ok: boolean;
}

/** Nearest-rank percentiles (see `percentile` in stats.ts); `null` when there were no requests. */
export interface LatencySummary {
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

export interface RequestSummary {
  requests: number;
  ok: number;
  failures: number;
  /** Per second of the run's planned length, failures included. */
  rps: number;
  /** Successful requests per second: the throughput that counts (a fast 503 is not throughput). */
  okRps: number;
  /** Over all requests, failures included: what the dashboard user waits for. */
  latency: LatencySummary;
  /** Per HTTP status ("0" = transport error). */
  statusCounts: Record<string, number>;
}

/** One slice of a run for over-time charts, keyed by request *start* time. */
export interface TimeBucket {
  startMs: number;
  count: number;
  failures: number;
  p50: number | null;
  p99: number | null;
}

/** Something the runner did to the system under test, drawn as a marker on charts. */
export interface BenchEvent {
  atMs: number;
  /** e.g. "kill -9 bench-replica-0", "SIGCONT". */
  label: string;
  kind?: 'fault' | 'resume' | 'restart';
}

/** Of the target's own process over a run (local mode, Linux); any field may be unknown. */
export interface ProcessUsage {
  /** user + system CPU seconds spent during the load. */
  cpuSeconds: number | null;
  /** Peak resident set size of the process (VmHWM; each run starts a fresh process). */
  rssBytes: number | null;
}

/** promgate's cache by its own accounting (`promgate_cache_bytes`, `promgate_cache_max_bytes`). */
export interface CacheBytes {
  bytes: number;
  maxBytes: number;
}

/**
 * Range points (grid points of query_range windows, counted as Prometheus does:
 * floor((end − start) / step) + 1) the clients asked for and the replicas evaluated.
 */
export interface RangePoints {
  /** Over the query_range requests the load generator got an OK answer to. */
  asked: number;
  /** Over the replicas' query-log entries for query_range written during the run. */
  evaluated: number;
  /** evaluated / asked; `null` when nothing was asked. */
  share: number | null;
}

/** Answers judged against a replica that never stopped (outage, answer-check.ts); `failed`: not answered with a matrix, not judged. */
export interface AnswerHoles {
  answers: number;
  withHoles: number;
  failed: number;
  /** withHoles / answers; `null` when no answer was judged. */
  share: number | null;
}

/** One target in one round of one scenario: the unit of the interleaving. */
export interface ScenarioRun {
  scenario: string;
  target: TargetName;
  /** 0-based; runs with the same round are paired when computing ratios. */
  round: number;
  durationMs: number;
  summary: RequestSummary;
  /** Query evaluations the replicas performed, from their own counters (delta over the run). */
  upstreamEvaluations: number | null;
  /** `null` when the replicas keep no query log we can read (remote mode). */
  rangePoints?: RangePoints | null;
  answerHoles?: AnswerHoles;
  usage?: ProcessUsage;
  /** promgate only: read from its /metrics at the end of the run; `null` when unreadable. */
  cache?: CacheBytes | null;
  buckets?: TimeBucket[];
  events?: BenchEvent[];
}

/** Per-target aggregate over all rounds of a scenario: counts summed, okRps the median, latency pooled, RSS the peak. */
export interface TargetResult {
  target: TargetName;
  rounds: number;
  requests: number;
  failures: number;
  okRps: number;
  okRpsPerRound: number[];
  latency: LatencySummary;
  /** `null` when any round is unknown. */
  upstreamEvaluations: number | null;
  rangePoints?: RangePoints | null;
  answerHoles?: AnswerHoles;
  cpuSeconds: number | null;
  rssBytes: number | null;
  /** The round whose cache held the most; `null` when any round's was unreadable. */
  cache?: CacheBytes | null;
  /** Of the first round: pooling rounds would add rates up and smear the fault markers. */
  buckets: TimeBucket[];
  events: BenchEvent[];
}

/** A performance goal the project set itself, and whether this run met it. */
export interface TargetCheck {
  name: string;
  /** e.g. ">= 100x". */
  wanted: string;
  /** In `unit`; `null` when it could not be measured (counts as a fail). */
  measured: number | null;
  unit?: string;
  pass: boolean;
}

export interface ScenarioResult {
  scenario: string;
  description?: string;
  /** promgate first, HAProxy, then the limit. */
  results: TargetResult[];
  /** Median promgate okRps / median HAProxy okRps; `null` if either is missing or zero. */
  ratio: number | null;
  /** promgate / HAProxy okRps for each round both ran, in round order. */
  ratioPerRound: number[];
  /** The bare-Node limit this scenario measures against, and promgate's okRps as a fraction of it. */
  limit?: { target: TargetName; share: number | null };
  /** The goals ("targets" in the sense of objectives). */
  targets: TargetCheck[];
}

export interface MachineInfo {
  cpus: number;
  cpuModel?: string;
  node: string;
  platform: string;
  arch: string;
  totalMemBytes?: number;
  /** e.g. { prometheus: "2.42.0", haproxy: "2.6.12" }. */
  versions?: Record<string, string>;
}

export interface BenchResults {
  /** Bumped when a field changes meaning. 2: limits, cache bytes, VmHWM, leaner records. */
  schemaVersion: 2;
  /** ISO 8601. */
  startedAt: string;
  finishedAt?: string;
  machine: MachineInfo;
  scenarios: ScenarioResult[];
}
