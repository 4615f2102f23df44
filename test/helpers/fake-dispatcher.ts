import { Dispatcher, type Pool } from 'undici';

/**
 * An in-process stand-in for a replica's undici pools (ReplicaDeps.dispatcher), so Replica and
 * HealthChecker run without sockets or timers: each answer is scripted per request, and may be a
 * promise the test settles when it wants (a frozen replica) or never (until the caller aborts).
 */

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | undefined;
  readonly signal: AbortSignal | undefined;
  /** The pool that carried it: Replica keeps one for queries and one for probes. */
  readonly pool: FakePool;
}

export interface FakeAnswer {
  readonly statusCode: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** An array is sent as that many body chunks. */
  readonly body?: string | Buffer | ReadonlyArray<string | Buffer>;
}

export type Responder = (req: SeenRequest) => FakeAnswer | Promise<FakeAnswer>;

/** One upstream host: every pool a Replica builds for it answers from `respond`. */
export class FakeHost {
  respond: Responder = () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"status":"success","data":{}}' });
  readonly requests: SeenRequest[] = [];
  readonly pools: FakePool[] = [];

  /** Pass as ReplicaDeps.dispatcher (or AppDeps.dispatcher for a single replica). */
  readonly dispatcher = (url: URL, options: Pool.Options): Dispatcher => {
    const pool = new FakePool(url, options, this);
    this.pools.push(pool);
    return pool;
  };

  /** Requests to `path` (without the query string). */
  seen(path: string): SeenRequest[] {
    return this.requests.filter((r) => r.path.split('?')[0] === path);
  }
}

/** A dispatcher factory for several hosts, picked by the URL's origin (for AppDeps.dispatcher). */
export function dispatcherFor(hosts: Readonly<Record<string, FakeHost>>) {
  return (url: URL, options: Pool.Options): Dispatcher => {
    const host = hosts[url.origin];
    if (!host) throw new Error(`no fake host for ${url.origin}`);
    return host.dispatcher(url, options);
  };
}

export class FakePool extends Dispatcher {
  destroyed = false;
  /** Requests dispatched and not yet answered, failed or aborted. */
  pending = 0;

  constructor(readonly url: URL, readonly options: Pool.Options, readonly host: FakeHost) {
    super();
  }

  // undici's request() (on Dispatcher.prototype) hands its RequestHandler, which speaks the
  // legacy handler protocol, straight to dispatch().
  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const signal = (opts as Dispatcher.RequestOptions).signal as AbortSignal | null | undefined;
    const req: SeenRequest = {
      method: opts.method,
      path: opts.path,
      headers: { ...(opts.headers as Record<string, string> | null | undefined) },
      body: opts.body === null || opts.body === undefined ? undefined : Buffer.from(opts.body as Buffer),
      signal: signal ?? undefined,
      pool: this,
    };
    this.host.requests.push(req);
    let settled = false;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      this.pending--;
      return true;
    };
    this.pending++;
    if (this.destroyed) {
      if (finish()) handler.onError?.(new Error('fake pool destroyed'));
      return false;
    }
    handler.onConnect?.((err?: Error) => {
      if (finish()) handler.onError?.(err ?? new Error('aborted'));
    });
    if (settled) return true;
    Promise.resolve()
      .then(() => this.host.respond(req))
      .then(
        async (answer) => {
          if (settled) return;
          const rawHeaders = Object.entries(answer.headers ?? {}).flatMap(([k, v]) => [Buffer.from(k), Buffer.from(v)]);
          handler.onHeaders?.(answer.statusCode, rawHeaders, () => undefined, '');
          const chunks = answer.body === undefined ? [] : Array.isArray(answer.body) ? answer.body : [answer.body];
          for (const [i, c] of (chunks as ReadonlyArray<string | Buffer>).entries()) {
            // Separate chunks arrive in separate turns, as from a socket, so a reader sees them apart.
            if (i > 0) await new Promise<void>((r) => setImmediate(r));
            if (settled) return;
            handler.onData?.(Buffer.from(c));
          }
          if (finish()) handler.onComplete?.([]);
        },
        (err: unknown) => {
          if (finish()) handler.onError?.(err as Error);
        },
      );
    return true;
  }

  override close(): Promise<void> {
    this.destroyed = true;
    return Promise.resolve();
  }

  override destroy(): Promise<void> {
    this.destroyed = true;
    return Promise.resolve();
  }
}

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets queued promise callbacks, nextTicks and stream events run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}
