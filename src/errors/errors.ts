import { PromgateError } from './promgate-error.js';

// Codes are never reused. Add new errors at the end.

export class ConfigError extends PromgateError {
  readonly code = 'PROMGATE_CONFIG_INVALID';
  readonly statusCode = 500;
  readonly errorType = 'internal' as const;
  constructor(readonly problems: readonly string[], options?: { cause?: unknown }) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`, options);
  }
}

export class ForbiddenPathError extends PromgateError {
  readonly code = 'PROMGATE_FORBIDDEN_PATH';
  readonly statusCode = 403;
  readonly errorType = 'forbidden' as const;
}

export class NotFoundPathError extends PromgateError {
  readonly code = 'PROMGATE_NOT_FOUND';
  readonly statusCode = 404;
  readonly errorType = 'not_found' as const;
}

export class MethodNotAllowedError extends PromgateError {
  readonly code = 'PROMGATE_METHOD_NOT_ALLOWED';
  readonly statusCode = 405;
  readonly errorType = 'bad_data' as const;
}

export class BadRequestError extends PromgateError {
  readonly code = 'PROMGATE_BAD_REQUEST';
  readonly statusCode = 400;
  readonly errorType = 'bad_data' as const;
}

export class UrlTooLongError extends PromgateError {
  readonly code = 'PROMGATE_URL_TOO_LONG';
  readonly statusCode = 414;
  readonly errorType = 'bad_data' as const;
}

export class HeadersTooLargeError extends PromgateError {
  readonly code = 'PROMGATE_HEADERS_TOO_LARGE';
  readonly statusCode = 431;
  readonly errorType = 'bad_data' as const;
}

export class BodyTooLargeError extends PromgateError {
  readonly code = 'PROMGATE_BODY_TOO_LARGE';
  readonly statusCode = 413;
  readonly errorType = 'bad_data' as const;
}

/** No replica is live: answered at once rather than after a hang. */
export class NoHealthyReplicaError extends PromgateError {
  readonly code = 'PROMGATE_NO_HEALTHY_REPLICA';
  readonly statusCode = 503;
  readonly errorType = 'unavailable' as const;
}

/** Every attempt failed on the transport level (refused, reset, timed out). */
export class UpstreamUnavailableError extends PromgateError {
  readonly code = 'PROMGATE_UPSTREAM_UNAVAILABLE';
  readonly statusCode = 502;
  readonly errorType = 'unavailable' as const;
}

/** One attempt exceeded its own deadline. */
export class UpstreamTimeoutError extends PromgateError {
  readonly code = 'PROMGATE_UPSTREAM_TIMEOUT';
  readonly statusCode = 504;
  readonly errorType = 'timeout' as const;
}

/** The whole request exceeded its total deadline across attempts. */
export class DeadlineExceededError extends PromgateError {
  readonly code = 'PROMGATE_DEADLINE_EXCEEDED';
  readonly statusCode = 504;
  readonly errorType = 'timeout' as const;
}

/** A transport failure of one attempt: connect error, reset, body cut short. */
export class UpstreamConnectionError extends PromgateError {
  readonly code = 'PROMGATE_UPSTREAM_CONNECTION';
  readonly statusCode = 502;
  readonly errorType = 'unavailable' as const;
}

/** The replica answered with a status that means it, not the query, is at fault. */
export class UpstreamBadStatusError extends PromgateError {
  readonly code = 'PROMGATE_UPSTREAM_BAD_STATUS';
  readonly statusCode = 502;
  readonly errorType = 'unavailable' as const;
  constructor(message: string, readonly upstreamStatus: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The replica's breaker is open; the attempt was not sent. */
export class BreakerOpenError extends PromgateError {
  readonly code = 'PROMGATE_BREAKER_OPEN';
  readonly statusCode = 503;
  readonly errorType = 'unavailable' as const;
}

/** The attempt lost a hedge race or its client went away. */
export class AttemptCanceledError extends PromgateError {
  readonly code = 'PROMGATE_ATTEMPT_CANCELED';
  readonly statusCode = 503;
  readonly errorType = 'canceled' as const;
}

/**
 * Internal signal: an answer outgrew upstream.max_buffered_response_bytes, so it cannot be kept or
 * handed to several waiters; the request is answered by a fetch of its own.
 */
export class UnshareableAnswerError extends PromgateError {
  readonly code = 'PROMGATE_UNSHAREABLE_ANSWER';
  readonly statusCode = 502;
  readonly errorType = 'internal' as const;
}
