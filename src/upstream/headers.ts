import type { HeaderValue } from './upstream-types.js';

// RFC 9110 §7.6.1 hop-by-hop headers, plus those whose value we compute per hop.
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection',
  'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'expect',
]);

// Upstream addresses come only from the config: headers that could steer a request elsewhere or
// make a replica build links to a foreign host are dropped.
const NEVER_FORWARD = new Set(['x-forwarded-host', 'forwarded', 'x-forwarded-proto', 'x-forwarded-port']);

/**
 * Headers sent to a replica. Accept-Encoding is narrowed to the one coding the replica would pick
 * that promgate can also produce itself (gzip, else deflate): answers assembled by the cache are
 * compressed by promgate, and promgate never answers br or zstd.
 */
export function forwardableRequestHeaders(incoming: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name) || NEVER_FORWARD.has(name)) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    if (name === 'accept-encoding') {
      const coding = preferredCoding(text);
      if (coding) out[name] = coding;
      continue;
    }
    out[name] = text;
  }
  return out;
}

/** gzip if the Accept-Encoding value admits it, else deflate if it does, else none. */
export function preferredCoding(acceptEncoding: string | undefined): 'gzip' | 'deflate' | undefined {
  if (accepts(acceptEncoding, ['gzip', 'x-gzip'])) return 'gzip';
  if (accepts(acceptEncoding, ['deflate'])) return 'deflate';
  return undefined;
}

/** True when an Accept-Encoding value admits one of `names` (q>0, explicitly or through `*`). */
function accepts(acceptEncoding: string | undefined, names: readonly string[]): boolean {
  if (!acceptEncoding) return false;
  let star: boolean | undefined;
  for (const part of acceptEncoding.split(',')) {
    const [codingRaw, ...params] = part.split(';');
    const coding = codingRaw!.trim().toLowerCase();
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const allowed = q === undefined || Number(q.slice(2)) > 0;
    if (names.includes(coding)) return allowed;
    if (coding === '*') star = allowed;
  }
  return star ?? false;
}

/** Headers of a replica's answer that go back to the client. */
export function forwardableResponseHeaders(incoming: Readonly<Record<string, HeaderValue | undefined>>): Record<string, HeaderValue> {
  const out: Record<string, HeaderValue> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    out[name] = value;
  }
  return out;
}
