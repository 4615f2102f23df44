import type { Readable } from 'node:stream';

/** What one attempt sends: method, canonical path and query string, forwarded headers, buffered body. */
export interface UpstreamRequest {
  readonly method: string;
  /** Canonical path plus `?query` exactly as the client sent the query string. */
  readonly pathAndQuery: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer | undefined;
  /** Latency class for hedging: requests of one class have comparable cost. */
  readonly latencyClass: string;
  /** The query's own fingerprint, for a latency estimate more specific than its class. */
  readonly costKey?: string | undefined;
}

export type HeaderValue = string | string[];

/**
 * A replica's answer. `body` is the whole body, unless the answer outgrew the buffer limit, in
 * which case `body` is the buffered prefix and `rest` streams the remainder (no retry past that).
 */
export interface UpstreamAnswer {
  readonly replica: string;
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, HeaderValue>>;
  readonly body: Buffer;
  readonly rest?: Readable | undefined;
  /** Two replicas gave this same error: it is the query's, asking elsewhere changes nothing. */
  readonly queryFault?: boolean | undefined;
}
