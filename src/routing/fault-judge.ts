import { AttemptCanceledError, UpstreamBadStatusError, UpstreamTimeoutError } from '../errors/index.js';
import { prometheusErrorType } from '../upstream/answer-class.js';
import type { UpstreamAnswer } from '../upstream/upstream-types.js';

/**
 * What a failed attempt says about its replica, as far as it can be told from that attempt alone:
 * - neutral: it was canceled (a lost hedge race, a client that left); says nothing;
 * - failure: a timeout, a transport error, a not-ready page, a 429: the replica's fault (only a
 *   timeout took load: the others turned the request away);
 * - defer: Prometheus's own JSON error with a 5xx. It may be the replica's fault or the query's
 *   (a "query of death" that fails everywhere): another replica's answer to the same request decides.
 * `loadedReplica` says whether the replica did work for it, so whether trying elsewhere is a retry
 * that adds load (bounded by the retry budget) or a failover from a replica that took none.
 */
export type FaultJudge =
  | { readonly kind: 'neutral'; readonly loadedReplica: false }
  | { readonly kind: 'failure'; readonly loadedReplica: boolean }
  | { readonly kind: 'defer'; readonly loadedReplica: true; readonly answer: UpstreamAnswer; readonly signature: string };

export function judgeFault(err: unknown): FaultJudge {
  if (err instanceof AttemptCanceledError) return { kind: 'neutral', loadedReplica: false };
  if (err instanceof UpstreamTimeoutError) return { kind: 'failure', loadedReplica: true };
  if (err instanceof UpstreamBadStatusError) {
    const answer = err.cause;
    if (isAnswer(answer) && answer.statusCode >= 500) {
      const contentType = answer.headers['content-type'];
      const errorType = prometheusErrorType(typeof contentType === 'string' ? contentType : undefined, answer.body);
      if (errorType !== undefined) return { kind: 'defer', loadedReplica: true, answer, signature: `${answer.statusCode}:${errorType}` };
    }
    // A not-ready 503 or a 429 turned the request away unevaluated: going elsewhere is a failover,
    // not a retry that adds load. A proxy's 500/502/504 page often means Prometheus did evaluate
    // (the proxy timed out reading it): a retry, under the budget.
    const status = err.upstreamStatus;
    return { kind: 'failure', loadedReplica: status !== 503 && status !== 429 };
  }
  return { kind: 'failure', loadedReplica: false };
}

/** A whole replica answer (a fault error's `cause`), not any other value. */
export function isAnswer(value: unknown): value is UpstreamAnswer {
  return typeof value === 'object' && value !== null && 'statusCode' in value && 'body' in value && Buffer.isBuffer((value as UpstreamAnswer).body);
}
