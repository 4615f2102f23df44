/**
 * The benchmark's result model: what the runner measures, what `results.json` holds, and what
 * the report and charts read. Everything here is plain data (no Maps, Dates, classes, NaN or
 * Infinity) so `JSON.stringify` → `JSON.parse` gives back an equal value. "Unknown" is `null`,
 * never `NaN` (which JSON would silently turn into `null` anyway) or `0` (which would lie).
 *
 * Times are milliseconds. `*Ms` fields inside a scenario are relative to that scenario run's
 * start, so rounds and targets line up on the same axis in charts.
 */

/** Which HTTP front end served the requests. The two we compare are named; others are allowed. */
export type TargetName = 'promgate' | 'haproxy' | (string & {});

/** One client request, as the load generator saw it. */
export interface RequestRecord {
  target: TargetName;
  scenario: string;
  /** When the request was sent, ms since the scenario run started. */
  startMs: number;
  /** Send to last byte of the response (or to the transport error). */
  latencyMs: number;
  /** HTTP status; 0 for a transport error (refused, reset, timeout before headers). */
  status: number;
  /** The client's verdict: 2xx with a `"status":"success"` body. */
  ok: boolean;
}

/** Latency percentiles, nearest-rank (see `percentile` in stats.ts). `null` when no requests. */
export interface LatencySummary {
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  min: number | null;
  mean: number | null;
}

/** What `summarize` makes of a set of records. */
export interface RequestSummary {
  /** Completed requests, successful or not. */
  requests: number;
  ok: number;
  failures: number;
  /** The denominator used for the rates. */
  durationMs: number;
  /** Completed requests per second, failures included. */
  rps: number;
  /** Successful requests per second: the throughput that counts (a fast 503 is not throughput). */
  okRps: number;
  /** failures / requests; 0 when there were no requests. */
  errorRate: number;
  /** Latency over all requests, failures included: what the dashboard user waits for. */
  latency: LatencySummary;
  /** Count per HTTP status, keyed by the status as a string ("0" = transport error). */
  statusCounts: Record<string, number>;
}

/** One slice of time in an over-time chart. Buckets are keyed by request *start* time. */
export interface TimeBucket {
  startMs: number;
  endMs: number;
  count: number;
  failures: number;
  /** Requests started per second in this bucket. */
  rps: number;
  p50: number | null;
  p99: number | null;
}

/** Something the runner did to the system under test, drawn as a marker line on charts. */
export interface BenchEvent {
  /** ms since the scenario run started. */
  atMs: number;
  /** Shown on the chart, e.g. "kill -9 replica-1", "SIGCONT", "restarted". */
  label: string;
  kind?: 'fault' | 'resume' | 'restart' | 'other';
}

/** Alias with the name the design brief uses; `BenchEvent` avoids shadowing the DOM `Event`. */
export type Event = BenchEvent;

/** Resource use of a process over a run; any field may be unknown. */
export interface ProcessUsage {
  /** user + system CPU seconds spent during the run. */
  cpuSeconds: number | null;
  /** Peak resident set size seen during the run. */
  rssBytes: number | null;
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
  /** evaluated / asked; `null` when nothing was asked (e.g. only instant queries). */
  share: number | null;
}

/**
 * Answers judged against a replica that never stopped (outage scenario, see answer-check.ts): an
 * answer has holes when a series misses a step the truth has, or holds it with another value.
 */
export interface AnswerHoles {
  /** Answers judged: the front end and the truth both answered with a matrix. */
  answers: number;
  withHoles: number;
  /** Requests not judged because the front end (or the truth) did not answer with a matrix. */
  failed: number;
  /** withHoles / answers; `null` when no answer was judged. */
  share: number | null;
}

/** One target in one round of one scenario: the unit of the A B A B interleaving. */
export interface ScenarioRun {
  scenario: string;
  target: TargetName;
  /** 0-based round number; runs with the same round are paired when computing ratios. */
  round: number;
  durationMs: number;
  summary: RequestSummary;
  /** Query evaluations the replicas performed, from their own counters (delta over the run). */
  upstreamEvaluations: number | null;
  /** Range points asked vs evaluated; `null` when the replicas keep no query log (remote mode). */
  rangePoints?: RangePoints | null;
  /** Answers judged after the run's fault; only scenarios that judge answers (outage). */
  answerHoles?: AnswerHoles;
  /** Of the front-end process (promgate or HAProxy), when measured. */
  usage?: ProcessUsage;
  buckets?: TimeBucket[];
  events?: BenchEvent[];
}

/** Per-target aggregate over all rounds of a scenario. */
export interface TargetResult {
  target: TargetName;
  rounds: number;
  requests: number;
  failures: number;
  /** Median over rounds of each round's `rps`. */
  rps: number;
  /** Median over rounds of each round's `okRps`. */
  okRps: number;
  rpsPerRound: number[];
  okRpsPerRound: number[];
  /** Percentiles over the requests of all rounds pooled. */
  latency: LatencySummary;
  /** Summed over rounds. */
  upstreamEvaluations: number | null;
  /** Summed over rounds (share of the sums); `null` when not measured in every round. */
  rangePoints?: RangePoints | null;
  /** Summed over rounds; only scenarios that judge answers (outage). */
  answerHoles?: AnswerHoles;
  /** Summed over rounds. */
  cpuSeconds: number | null;
  /** Peak over rounds. */
  rssBytes: number | null;
  /** For over-time charts (usually one representative round, or rounds pooled on start time). */
  buckets: TimeBucket[];
  events: BenchEvent[];
}

/** A performance goal the project set itself, and whether this run met it. */
export interface TargetCheck {
  /** e.g. "dashboard throughput vs HAProxy". */
  name: string;
  /** Human-readable goal, e.g. ">= 20x". */
  wanted: string;
  /** The number compared, in `unit`; `null` when it could not be measured (counts as a fail). */
  measured: number | null;
  unit?: string;
  pass: boolean;
}

export interface ScenarioResult {
  scenario: string;
  description?: string;
  /** Per target, promgate first by convention. */
  results: TargetResult[];
  /** Median promgate okRps / median HAProxy okRps; `null` if either is missing or zero. */
  ratio: number | null;
  /** promgate / HAProxy okRps for each round both ran, in round order. */
  ratioPerRound: number[];
  /** The project's goals for this scenario ("targets" in the sense of objectives). */
  targets: TargetCheck[];
}

export interface MachineInfo {
  cpus: number;
  cpuModel?: string;
  node: string;
  platform: string;
  arch: string;
  totalMemBytes?: number;
  /** Versions of the things under test, e.g. { prometheus: "3.5.0", haproxy: "3.0.5" }. */
  versions?: Record<string, string>;
}

export interface BenchResults {
  /** Bumped when a field changes meaning, so old results files can be told apart. */
  schemaVersion: 1;
  /** ISO 8601. */
  startedAt: string;
  finishedAt?: string;
  machine: MachineInfo;
  scenarios: ScenarioResult[];
}
