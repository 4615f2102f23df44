import { clientIdentity, wantsNoCache } from './client-identity.js';
import type { GatewayRequest } from './gateway.js';

/** What of a request its exact spelling is made of. */
export type SpelledRequest = Pick<GatewayRequest, 'method' | 'path' | 'rawQuery' | 'clientHeaders' | 'forwardHeaders' | 'body'>;

// A form body larger than this is not worth a key of its own: such requests are normalized.
const MAX_BODY_IN_KEY = 16 * 1024;

/**
 * The request exactly as spelled: method, canonical path, raw query, form body, the identity
 * headers and the content coding asked for. Dashboards send the very same URL for the same
 * panel and window, so a repeat is found by this text alone, before anything is parsed; it only
 * ever points at an answer kept under the normalized key the same spelling produced (see
 * CacheStore.answer), so it cannot serve anything the normalized path would not. Undefined when
 * the request may not be answered from the cache at all.
 */
export function exactKeyOf(req: SpelledRequest, keyHeaders: readonly string[]): string | undefined {
  if (req.method !== 'GET' && req.method !== 'POST') return undefined;
  const h = req.clientHeaders;
  if ((h['cache-control'] !== undefined || h.pragma !== undefined) && wantsNoCache(h)) return undefined;
  // Content-Type counts even without a body: Prometheus parses the form by it (a bad one is a 400).
  const ct = h['content-type'];
  let body = `${Array.isArray(ct) ? ct.join('\n') : (ct ?? '')}\u0000`;
  if (req.body !== undefined && req.body.length > 0) {
    if (req.body.length > MAX_BODY_IN_KEY) return undefined;
    body += req.body.toString('latin1');
  }
  const identity = clientIdentity(h, keyHeaders) ?? '';
  return `exact\u0000${req.method}\u0000${req.path}\u0000${req.rawQuery}\u0000${body}\u0000${identity}\u0000${req.forwardHeaders['accept-encoding'] ?? ''}`;
}
