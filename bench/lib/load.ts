/**
 * Load generation: a thin wrapper over autocannon's programmatic API that turns every response,
 * timeout and connection error into a RequestRecord. Bounded in time (`durationMs`, plus a hard
 * stop) and in count (`maxRequests`). Also keeps a running sum of the range points (grid points
 * of query_range windows) of the requests answered OK: see range-points.ts.
 */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { RANGE_POINTS_KEY, rangePointsOfPath } from './range-points.js';
import type { RequestRecord, TargetName } from './types.js';

/** A request template; `setupRequest` may rewrite the path per send (see dashboard-windows.ts). */
export type LoadRequest = autocannon.RequestSpec;

export interface LoadOptions {
  /** Base URL of the front end; a path prefix (e.g. /prometheus) is kept. */
  url: string;
  target: TargetName;
  scenario: string;
  connections: number;
  durationMs: number;
  maxRequests: number;
  requests: LoadRequest[];
  /** A request without an answer after this long counts as a failure; default 10 s. */
  timeoutMs?: number;
  /** `performance.now()` the records' startMs are relative to; default the call's own start. */
  t0?: number;
}

/** What marks a good answer: Prometheus's JSON envelope. */
const SUCCESS = Buffer.from('"status":"success"');

export interface LoadResult {
  records: RequestRecord[];
  /** Σ grid points of the query_range windows of the recorded requests answered OK. */
  askedRangePoints: number;
}

/** Records one ended request; `rangePoints` of its window, counted when recorded and OK. */
type Recorder = (startAbs: number, latencyMs: number, status: number, ok: boolean, rangePoints?: number) => void;

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const base = new URL(o.url);
  const prefix = base.pathname.replace(/\/+$/, '');
  const timeoutMs = o.timeoutMs ?? 10_000;
  const t0 = o.t0 ?? performance.now();
  const records: RequestRecord[] = [];
  let askedRangePoints = 0;
  const record: Recorder = (startAbs, latencyMs, status, ok, rangePoints = 0) => {
    if (records.length >= o.maxRequests) return;
    records.push({ target: o.target, scenario: o.scenario, startMs: startAbs - t0, latencyMs, status, ok });
    if (ok) askedRangePoints += rangePoints;
  };
  // autocannon calls a request's onResponse and then, synchronously on the same connection,
  // emits 'response': the points of the request just answered travel between the two here.
  const answered = { rangePoints: 0 };

  const instance = autocannon({
    url: base.origin,
    connections: o.connections,
    duration: o.durationMs / 1000,
    maxOverallRequests: Math.max(o.maxRequests, o.connections),
    timeout: Math.max(1, Math.ceil(timeoutMs / 1000)),
    requests: o.requests.map((r) => withRangePoints(withPrefix(r, prefix), answered)),
    setupClient: (client) => watchClient(client, record, answered),
  });
  const hardStop = setTimeout(() => instance.stop(), o.durationMs + timeoutMs + 5_000);
  hardStop.unref();
  try {
    await instance;
  } finally {
    clearTimeout(hardStop);
  }
  return { records, askedRangePoints };
}

/**
 * Makes a request report its window's grid points on each answer: a fixed path is parsed once
 * here; a `setupRequest` leaves them in the connection's context under RANGE_POINTS_KEY when it
 * builds the window (dashboardRequests does), so nothing is parsed per send.
 */
function withRangePoints(spec: LoadRequest, answered: { rangePoints: number }): LoadRequest {
  const fixed = spec.setupRequest === undefined && spec.path !== undefined ? rangePointsOfPath(spec.path) : undefined;
  const own = spec.onResponse;
  return {
    ...spec,
    onResponse: (status, body, context, headers) => {
      const fromContext = context[RANGE_POINTS_KEY];
      answered.rangePoints = fixed ?? (typeof fromContext === 'number' ? fromContext : 0);
      if (own !== undefined) own(status, body, context, headers);
    },
  };
}

function withPrefix(spec: LoadRequest, prefix: string): LoadRequest {
  if (prefix === '') return spec;
  const setup = spec.setupRequest;
  return {
    ...spec,
    ...(spec.path !== undefined ? { path: prefix + spec.path } : {}),
    setupRequest: (req, context) => {
      const out = setup !== undefined ? setup(req, context) : req;
      return out === undefined ? undefined : { ...out, path: prefix + (out.path ?? '/') };
    },
  };
}

/**
 * Per connection (pipelining 1, so at most one request in flight): remembers when the current
 * request was sent and whether its body carried `"status":"success"`, and records it when it
 * ends, whichever way it ends.
 */
function watchClient(client: autocannon.Client, record: Recorder, answered: { rangePoints: number }): void {
  let sentAt = 0;
  let inFlight = false;
  let success = false;
  let tail: Buffer = Buffer.alloc(0);
  client.on('request', () => {
    // Still in flight: the server closed the connection without answering (autocannon just
    // reconnects and sends again), which the user would have seen as an error.
    if (inFlight) record(sentAt, performance.now() - sentAt, 0, false);
    sentAt = performance.now();
    inFlight = true;
    success = false;
    tail = Buffer.alloc(0);
  });
  client.on('body', (chunk) => {
    if (success) return;
    // The envelope opens the body; keep a few bytes so a chunk boundary cannot split the marker.
    const window: Buffer = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
    if (window.includes(SUCCESS)) success = true;
    else tail = window.subarray(Math.max(0, window.length - SUCCESS.length));
  });
  client.on('response', (status, _bytes, responseTime) => {
    inFlight = false;
    const rangePoints = answered.rangePoints;
    answered.rangePoints = 0;
    record(performance.now() - responseTime, responseTime, status, status >= 200 && status < 300 && success, rangePoints);
  });
  const fail = (): void => {
    if (!inFlight) return;
    inFlight = false;
    record(sentAt, performance.now() - sentAt, 0, false);
  };
  client.on('timeout', fail);
  client.on('connError', fail);
}
