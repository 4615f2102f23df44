import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { BadRequestError, BodyTooLargeError, isPromgateError, toPrometheusBody } from '../errors/index.js';

/**
 * Every error leaves as Prometheus's own error JSON. Client mistakes keep their 4xx; anything
 * unexpected is promgate's failure to reach an answer and says so with a 502, never a 500 of its
 * own, and is logged with its stack.
 */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const mapped = toPromgate(error);
  if (!isPromgateError(error) && !(error.statusCode && error.statusCode < 500)) {
    request.log.error({ err: error }, 'unexpected error while answering');
  }
  const { statusCode, body } = toPrometheusBody(mapped);
  void reply.code(statusCode).header('content-type', 'application/json').send(JSON.stringify(body));
}

function toPromgate(error: FastifyError): unknown {
  if (isPromgateError(error)) return error;
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new BodyTooLargeError('request body is larger than limits.max_body_bytes', { cause: error });
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new BadRequestError(error.message, { cause: error });
  }
  return error;
}
