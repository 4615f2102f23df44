/**
 * Load generation: autocannon's programmatic API, closed loop (each connection sends its next
 * request when the previous one ends), every response, timeout and connection error turned into a
 * RequestRecord. Bounded in time (`durationMs`, plus a hard stop) and in count (`maxRequests`).
 * Also sums the range points (grid points of query_range windows) of the requests answered OK:
 * see range-points.ts.
 */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { RANGE_POINTS_KEY, rangePointsOfPath } from './range-points.js';
import type { RequestRecord } from './types.js';

/** A request template; `setupRequest` may rewrite the path per send. */
export type LoadRequest = autocannon.RequestSpec;

/** The requests connection `i` loops over; called once per connection, so each may keep its own state (a dashboard user). */
export type RequestsFor = (connection: number) => LoadRequest[];

export interface LoadOptions {
  /** Base URL of the front end; a path prefix (e.g. /prometheus) is kept. */
  url: string;
  connections: number;
  durationMs: number;
  maxRequests: number;
  requestsFor: RequestsFor;
  /** `performance.now()` the records' startMs are relative to. */
  t0: number;
}

/** What marks a good answer: Prometheus's JSON envelope. */
const SUCCESS = Buffer.from('"status":"success"');
/** A request without an answer this long fails (and autocannon opens a new connection). */
const TIMEOUT_S = 10;

export interface LoadResult {
  records: RequestRecord[];
  /** Σ grid points of the query_range windows of the recorded requests answered OK. */
  askedRangePoints: number;
}

/** Records one ended request; `rangePoints` of its window, counted when recorded and OK. */
type Recorder = (startAbs: number, latencyMs: number, status: number, ok: boolean, rangePoints?: number) => void;
/** What onResponse learnt of the answer just read. */
interface Answered {
  rangePoints: number;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const base = new URL(o.url);
  const prefix = base.pathname.replace(/\/+$/, '');
  const records: RequestRecord[] = [];
  let askedRangePoints = 0;
  const record: Recorder = (startAbs, latencyMs, status, ok, rangePoints = 0) => {
    if (records.length >= o.maxRequests) return;
    records.push({ startMs: startAbs - o.t0, latencyMs, status, ok });
    if (ok) askedRangePoints += rangePoints;
  };
  // autocannon calls a request's onResponse and then, synchronously on the same connection, emits
  // 'response': the range points of the request just answered travel between the two here.
  const answered: Answered = { rangePoints: 0 };
  const wrap = (specs: LoadRequest[]): LoadRequest[] => specs.map((s) => observed(prefixed(s, prefix), answered));
  let next = 0;
  const instance = autocannon({
    url: base.origin,
    connections: o.connections,
    duration: o.durationMs / 1000,
    maxOverallRequests: Math.max(o.maxRequests, o.connections),
    timeout: TIMEOUT_S,
    requests: wrap(o.requestsFor(0)),
    setupClient: (client) => {
      client.setRequests(wrap(o.requestsFor(next++)));
      // autocannon decodes every body chunk into a string it hands onResponse: against a bare
      // server of 100 KB answers that held the load generator to ~8 k requests/s instead of 11–12 k,
      // so the hit limit would have measured autocannon, not Node. We need only the envelope, read
      // from the 'body' event. An autocannon without this internal is just slower.
      if (client.pipelinedRequests !== undefined) client.pipelinedRequests.addBody = () => undefined;
      watchClient(client, record, answered);
    },
  });
  const hardStop = setTimeout(() => instance.stop(), o.durationMs + TIMEOUT_S * 1000 + 5_000);
  hardStop.unref();
  try {
    await instance;
  } finally {
    clearTimeout(hardStop);
  }
  return { records, askedRangePoints };
}

/** Notes on each answer its window's grid points: a fixed path's parsed once, a built one's left in the context. */
function observed(spec: LoadRequest, answered: Answered): LoadRequest {
  const fixed = spec.setupRequest === undefined && spec.path !== undefined ? rangePointsOfPath(spec.path) : undefined;
  return {
    ...spec,
    onResponse: (_status, _body, context) => {
      const fromContext = context[RANGE_POINTS_KEY];
      answered.rangePoints = fixed ?? (typeof fromContext === 'number' ? fromContext : 0);
    },
  };
}

function prefixed(spec: LoadRequest, prefix: string): LoadRequest {
  const setup = spec.setupRequest;
  if (prefix === '') return spec;
  if (setup === undefined) return { ...spec, path: prefix + (spec.path ?? '/') };
  return {
    ...spec,
    setupRequest: (req, context) => {
      const out = setup(req, context);
      return out === undefined ? undefined : { ...out, path: prefix + (out.path ?? '/') };
    },
  };
}

/**
 * Per connection (pipelining 1, so at most one request in flight): remembers when the current
 * request was sent and whether its body carried `"status":"success"`, and records it when it
 * ends, whichever way it ends.
 */
function watchClient(client: autocannon.Client, record: Recorder, answered: Answered): void {
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
    const window = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
    success = window.includes(SUCCESS);
    tail = window.subarray(Math.max(0, window.length - SUCCESS.length));
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
