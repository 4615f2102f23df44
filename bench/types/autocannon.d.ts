// The slice of autocannon's programmatic API the bench uses (autocannon ships no types).
// https://github.com/mcollina/autocannon#api
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    interface RawRequest {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
    }

    interface RequestSpec extends RawRequest {
      /** Called before each send; the returned request is what goes on the wire. */
      setupRequest?: (req: RawRequest, context: Record<string, unknown>) => RawRequest | undefined;
      onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string>) => void;
    }

    /** One connection. Emits 'request', 'body' (raw chunk), 'response' (status, bytes, ms), 'timeout', 'connError'. */
    interface Client extends EventEmitter {
      on(event: 'request' | 'timeout', listener: () => void): this;
      on(event: 'body', listener: (chunk: Buffer) => void): this;
      on(event: 'response', listener: (statusCode: number, resBytes: number, responseTime: number) => void): this;
      on(event: 'connError', listener: (err: Error) => void): this;
    }

    interface Options {
      url: string;
      connections?: number;
      /** Seconds; fractional allowed. */
      duration?: number;
      maxOverallRequests?: number;
      /** Seconds before a request counts as timed out and the connection is replaced. */
      timeout?: number;
      pipelining?: number;
      requests?: RequestSpec[];
      setupClient?: (client: Client) => void;
      headers?: Record<string, string>;
      skipAggregateResult?: boolean;
    }

    interface Result {
      requests: { total: number };
      errors: number;
      timeouts: number;
      non2xx: number;
      duration: number;
    }

    interface Instance extends EventEmitter, PromiseLike<Result> {
      stop(): void;
    }
  }

  function autocannon(opts: autocannon.Options, cb?: (err: Error | null, result: autocannon.Result) => void): autocannon.Instance;
  export default autocannon;
}
