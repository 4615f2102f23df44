import type { FastifyRequest } from 'fastify';
import type { LimitsConfig } from '../config/index.js';
import { HeadersTooLargeError, UrlTooLongError } from '../errors/index.js';

/** Enforces the URL and header limits on requests that fit Node's own (larger) parser limit. */
export function buildLimitsHook(limits: LimitsConfig) {
  return async (request: FastifyRequest): Promise<void> => {
    const url = request.raw.url ?? '';
    if (Buffer.byteLength(url) > limits.max_url_bytes) {
      throw new UrlTooLongError(`request URI is longer than limits.max_url_bytes (${limits.max_url_bytes} bytes)`);
    }
    let size = 0;
    const raw = request.raw.rawHeaders;
    for (let i = 0; i < raw.length; i++) size += raw[i]!.length + 2;
    if (size > limits.max_header_bytes) {
      throw new HeadersTooLargeError(`request headers are larger than limits.max_header_bytes (${limits.max_header_bytes} bytes)`);
    }
  };
}
