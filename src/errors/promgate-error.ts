/**
 * Every error promgate raises itself carries a code that is never reused, an HTTP status and the
 * Prometheus `errorType` it maps to, so the HTTP layer answers in the shape Prometheus clients
 * (Grafana, promtool) already parse: {"status":"error","errorType":...,"error":...}.
 * Decisions are made on `code`, never on message text.
 */
export type PrometheusErrorType =
  | 'bad_data'
  | 'execution'
  | 'timeout'
  | 'canceled'
  | 'internal'
  | 'unavailable'
  | 'not_found'
  | 'forbidden';

export abstract class PromgateError extends Error {
  abstract readonly code: string;
  abstract readonly statusCode: number;
  abstract readonly errorType: PrometheusErrorType;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export function isPromgateError(err: unknown): err is PromgateError {
  return err instanceof PromgateError;
}
