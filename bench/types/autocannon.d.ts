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

    /** One connection. Emits 'request', 'body' (the parser's input chunk), 'response' (status, bytes, ms), 'timeout', 'connError'. */
    interface Client extends EventEmitter {
      on(event: 'request' | 'timeout', listener: () => void): this;
      on(event: 'body', listener: (chunk: Buffer) => void): this;
      on(event: 'response', listener: (statusCode: number, resBytes: number, responseTime: number) => void): this;
      on(event: 'connError', listener: (err: Error) => void): this;
      /** Replaces this connection's requests (pipelining 1 only). */
      setRequests(requests: RequestSpec[]): void;
      /** Internal (autocannon 8): collects each body into a string for onResponse; load.ts switches that off. */
      pipelinedRequests?: { addBody(chunk: Buffer): void };
    }

    interface Options {
      url: string;
      connections?: number;
      /** Seconds; fractional allowed. */
      duration?: number;
      maxOverallRequests?: number;
      /** Seconds before a request counts as timed out and the connection is replaced. */
      timeout?: number;
      requests?: RequestSpec[];
      setupClient?: (client: Client) => void;
    }

    interface Instance extends EventEmitter, PromiseLike<unknown> {
      stop(): void;
    }
  }

  function autocannon(opts: autocannon.Options): autocannon.Instance;
  export default autocannon;
}
