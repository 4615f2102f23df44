import type { AttemptRunner } from '../routing/attempt-runner.js';
import type { UpstreamAnswer } from '../upstream/upstream-types.js';
import { stickyKeyOf } from './sticky-key.js';

/** A request the HTTP layer has already normalized and allowed. */
export interface GatewayRequest {
  readonly method: string;
  /** Allowlisted endpoint name, e.g. `query_range`. */
  readonly endpoint: string;
  /** Canonical path, re-encoded for the upstream. */
  readonly path: string;
  /** The query string exactly as the client sent it, without `?`. */
  readonly rawQuery: string;
  /** Client headers as received (lower-case names). */
  readonly clientHeaders: Readonly<Record<string, string | string[] | undefined>>;
  /** Headers to forward, already filtered. */
  readonly forwardHeaders: Readonly<Record<string, string>>;
  readonly body?: Buffer | undefined;
  readonly signal: AbortSignal;
}

/** The request pipeline: normalize → route → answer. Parameters, bodies and times pass as sent. */
export class Gateway {
  readonly #runner: AttemptRunner;

  constructor(runner: AttemptRunner) {
    this.#runner = runner;
  }

  handle(req: GatewayRequest): Promise<UpstreamAnswer> {
    const isForm = (first(req.clientHeaders['content-type']) ?? '').startsWith('application/x-www-form-urlencoded');
    return this.#runner.run(
      {
        method: req.method,
        pathAndQuery: req.rawQuery === '' ? req.path : `${req.path}?${req.rawQuery}`,
        headers: req.forwardHeaders,
        body: req.body,
        latencyClass: req.endpoint,
      },
      { signal: req.signal, stickyKey: stickyKeyOf(req.endpoint, req.clientHeaders, req.rawQuery, isForm ? req.body : undefined) },
    );
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
