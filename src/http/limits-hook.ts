import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { LimitsConfig } from '../config/index.js';
import { HeadersTooLargeError, UrlTooLongError } from '../errors/index.js';

/**
 * Enforces the URL and header limits on requests that fit Node's own (larger) parser limit.
 * Callback style: it runs on every request, and an async hook costs a promise each time.
 */
export function buildLimitsHook(limits: LimitsConfig) {
  return (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const url = request.raw.url ?? '';
    // A URL's bytes are at least its UTF-16 length: only a long one needs counting.
    if (url.length * 3 > limits.max_url_bytes && Buffer.byteLength(url) > limits.max_url_bytes) {
      return done(new UrlTooLongError(`request URI is longer than limits.max_url_bytes (${limits.max_url_bytes} bytes)`));
    }
    let size = 0;
    const raw = request.raw.rawHeaders;
    for (let i = 0; i < raw.length; i++) size += raw[i]!.length + 2;
    if (size > limits.max_header_bytes) {
      return done(new HeadersTooLargeError(`request headers are larger than limits.max_header_bytes (${limits.max_header_bytes} bytes)`));
    }
    done();
  };
}
