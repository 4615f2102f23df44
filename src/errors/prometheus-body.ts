import { isPromgateError } from './promgate-error.js';

export interface PrometheusErrorBody {
  status: 'error';
  errorType: string;
  error: string;
}

/** The JSON body Prometheus itself answers errors with, so clients parse ours the same way. */
export function toPrometheusBody(err: unknown): { statusCode: number; body: PrometheusErrorBody } {
  if (isPromgateError(err)) {
    return { statusCode: err.statusCode, body: { status: 'error', errorType: err.errorType, error: err.message } };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { statusCode: 502, body: { status: 'error', errorType: 'unavailable', error: message } };
}
