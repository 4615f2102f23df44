/**
 * Whether a replica's answer is final for the client, or says the replica (not the query) is at
 * fault so another replica should be tried.
 *
 * Prometheus maps its API errors to statuses (web/api/v1/api.go respondError): bad_data 400,
 * execution 422, not_found 404, timeout and canceled 503, internal 500. A 503 whose JSON says
 * `timeout` or `canceled` is about the query (it ran out of time, it was canceled): the same query
 * would fare no better elsewhere, so it goes back as is and does not count against the replica.
 * The plain-text 503 of a replica that is starting or shutting down, any other 5xx, and 429
 * are the replica's fault.
 */
export type AnswerClass = 'final' | 'replica_fault';

const QUERY_FAULT_TYPES = new Set(['timeout', 'canceled']);

export function classifyAnswer(statusCode: number, contentType: string | undefined, body: Buffer): AnswerClass {
  if (statusCode === 429) return 'replica_fault';
  if (statusCode < 500) return 'final';
  if (statusCode === 503 && QUERY_FAULT_TYPES.has(prometheusErrorType(contentType, body) ?? '')) return 'final';
  return 'replica_fault';
}

/** The `errorType` of a Prometheus JSON error answer, or undefined for anything else (a proxy's page, a starting replica's text). */
export function prometheusErrorType(contentType: string | undefined, body: Buffer): string | undefined {
  return isJson(contentType) ? errorTypeOf(body) : undefined;
}

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.toLowerCase().includes('application/json');
}

function errorTypeOf(body: Buffer): string | undefined {
  if (body.length > 64 * 1024) return undefined;
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (parsed && typeof parsed === 'object' && 'errorType' in parsed) {
      const t = (parsed as { errorType: unknown }).errorType;
      return typeof t === 'string' ? t : undefined;
    }
  } catch {
    // Not JSON after all: a proxy's or a starting replica's text page.
  }
  return undefined;
}
