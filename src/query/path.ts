/**
 * Request paths: normalized once, classified against an allowlist, and forwarded only in the
 * canonical form we classified. SECURITY CRITICAL: this decides what reaches a replica.
 *
 * How the upstream reads a path (Go net/http + Prometheus): the server decodes the request
 * target's path exactly once into URL.Path; http.ServeMux cleans URL.Path (`//`, `.`, `..`, also
 * when they were spelled `%2e`) and redirects to the clean form; Prometheus's router
 * (prometheus/common/route over julienschmidt/httprouter) matches URL.Path case-sensitively and
 * segment by segment, with `:name` taking one decoded segment. Nothing decodes a second time.
 *
 * So we do the same, once: split the raw path on `/`, percent-decode each segment once, then drop
 * empty segments and resolve `.` and `..` (never above the root, as Go's cleanPath). A segment that
 * still reads `%2e%2e` after that one decode is the literal text `%2e%2e` to us and, because we
 * re-encode it to `%252e%252e`, to the upstream too. Every segment is re-encoded with
 * encodeURIComponent, so the upstream's one decode gives back exactly our segments.
 *
 * Refused outright (ok: false; the HTTP layer answers 400):
 * - a path not starting with `/`, raw bytes outside printable ASCII, raw `\` or `#`;
 * - `%` not followed by two hex digits, decoded bytes that are not valid UTF-8 (overlong forms
 *   such as `%c0%ae` included), decoded control characters (NUL among them) or `\`;
 * - an encoded `/` (`%2F`) inside a segment. Re-encoding would not protect it: Go decodes it into
 *   URL.Path, where the router and ServeMux see a separator, so the upstream would route a
 *   different path than the one we classified. No Prometheus read endpoint needs one (label names
 *   outside [a-zA-Z_0-9] travel U__-escaped in the path).
 */

export type NormalizedPath = { ok: true; segments: string[]; path: string } | { ok: false; reason: string };

const RAW_ALLOWED = /^[\x21-\x7e]*$/;
const BAD_PERCENT = /%(?![0-9a-fA-F]{2})/;
// eslint-disable-next-line no-control-regex
const BAD_DECODED = /[\x00-\x1f\x7f\\]/;

export function normalizePath(rawUrlPath: string): NormalizedPath {
  if (!rawUrlPath.startsWith('/')) return { ok: false, reason: 'path must start with /' };
  if (!RAW_ALLOWED.test(rawUrlPath)) return { ok: false, reason: 'raw character outside printable ASCII' };
  if (rawUrlPath.includes('\\')) return { ok: false, reason: 'backslash in path' };
  if (rawUrlPath.includes('#')) return { ok: false, reason: 'fragment in path' };
  if (BAD_PERCENT.test(rawUrlPath)) return { ok: false, reason: 'invalid percent-encoding' };

  const segments: string[] = [];
  for (const raw of rawUrlPath.split('/')) {
    const decoded = decodeSegment(raw);
    if (!decoded.ok) return decoded;
    const segment = decoded.segment;
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      segments.pop();
      continue;
    }
    segments.push(segment);
  }
  return { ok: true, segments, path: `/${segments.map(encodeURIComponent).join('/')}` };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeSegment(raw: string): { ok: true; segment: string } | { ok: false; reason: string } {
  let segment: string;
  if (raw.includes('%')) {
    const bytes: number[] = [];
    for (let i = 0; i < raw.length; i++) {
      if (raw[i] === '%') {
        bytes.push(parseInt(raw.slice(i + 1, i + 3), 16));
        i += 2;
      } else {
        bytes.push(raw.charCodeAt(i));
      }
    }
    try {
      segment = UTF8.decode(Uint8Array.from(bytes));
    } catch {
      return { ok: false, reason: 'percent-encoding is not valid UTF-8' };
    }
  } else {
    segment = raw;
  }
  if (segment.includes('\0')) return { ok: false, reason: 'NUL byte in path' };
  if (BAD_DECODED.test(segment)) return { ok: false, reason: 'control character or backslash in path' };
  if (segment.includes('/')) return { ok: false, reason: 'encoded slash in path segment' };
  return { ok: true, segment };
}

/** The read endpoints we forward. Status pages are distinct endpoints: they answer differently. */
export type EndpointName =
  | 'query'
  | 'query_range'
  | 'query_exemplars'
  | 'format_query'
  | 'parse_query'
  | 'labels'
  | 'label_values'
  | 'series'
  | 'metadata'
  | 'targets'
  | 'targets_metadata'
  | 'rules'
  | 'alerts'
  | 'alertmanagers'
  | 'status_config'
  | 'status_flags'
  | 'status_runtimeinfo'
  | 'status_buildinfo'
  | 'status_tsdb'
  | 'status_walreplay'
  | 'federate'
  | 'read';

export type OwnEndpointName = 'healthy' | 'ready' | 'metrics' | 'replicas' | 'status-page' | 'status';

/** A proxied endpoint; label_values carries its (decoded) label name, part of what it answers. */
export type ProxyRoute =
  | { kind: 'proxy'; endpoint: Exclude<EndpointName, 'label_values'> }
  | { kind: 'proxy'; endpoint: 'label_values'; label: string };

export type PathClass =
  | { kind: 'own'; name: OwnEndpointName }
  | ProxyRoute
  | { kind: 'forbidden'; reason: string }
  | { kind: 'method_not_allowed' }
  | { kind: 'not_found' };

const API_V1: Readonly<Record<string, Exclude<EndpointName, 'label_values'>>> = {
  query: 'query',
  query_range: 'query_range',
  query_exemplars: 'query_exemplars',
  format_query: 'format_query',
  parse_query: 'parse_query',
  labels: 'labels',
  series: 'series',
  metadata: 'metadata',
  targets: 'targets',
  rules: 'rules',
  alerts: 'alerts',
  alertmanagers: 'alertmanagers',
  read: 'read',
};

const STATUS: Readonly<Record<string, Exclude<EndpointName, 'label_values'>>> = {
  config: 'status_config',
  flags: 'status_flags',
  runtimeinfo: 'status_runtimeinfo',
  buildinfo: 'status_buildinfo',
  tsdb: 'status_tsdb',
  walreplay: 'status_walreplay',
};

/** Prefixes that write, administer or stop a replica. Matched case-insensitively, to be loud. */
const FORBIDDEN: ReadonlyArray<{ prefix: readonly string[]; reason: string }> = [
  { prefix: ['api', 'v1', 'admin'], reason: 'admin API' },
  { prefix: ['api', 'v1', 'write'], reason: 'remote write' },
  { prefix: ['api', 'v1', 'otlp'], reason: 'OTLP ingestion' },
  { prefix: ['api', 'v1', 'notifications'], reason: 'notifications' },
  { prefix: ['-', 'reload'], reason: 'lifecycle API' },
  { prefix: ['-', 'quit'], reason: 'lifecycle API' },
];

/** Methods Prometheus's router knows on read endpoints; it answers 405 itself where one is wrong. */
const PROXY_METHODS = new Set(['GET', 'HEAD', 'POST', 'OPTIONS']);

/**
 * What to do with normalized segments. Exact, case-sensitive matches, like Prometheus's router:
 * `/API/v1/query` is not_found. Own endpoints are returned whatever the method (the HTTP layer
 * decides); a proxy path with another method (DELETE /api/v1/series drops series) is refused.
 */
export function classifyPath(segments: readonly string[], method: string): PathClass {
  // Defence in depth: segments that normalizePath never yields match nothing.
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('/') || BAD_DECODED.test(s))) {
    return { kind: 'not_found' };
  }
  const lower = segments.map((s) => s.toLowerCase());
  for (const { prefix, reason } of FORBIDDEN) {
    if (prefix.every((p, i) => lower[i] === p)) return { kind: 'forbidden', reason };
  }
  const own = ownEndpoint(segments);
  if (own) return { kind: 'own', name: own };
  const route = proxyRoute(segments);
  if (!route) return { kind: 'not_found' };
  return PROXY_METHODS.has(method) ? route : { kind: 'method_not_allowed' };
}

function ownEndpoint(s: readonly string[]): OwnEndpointName | undefined {
  // `/` is promgate's status page; Prometheus's UI is not proxied (it would load assets promgate refuses).
  if (s.length === 0) return 'status-page';
  if (s.length === 2 && s[0] === '-' && (s[1] === 'healthy' || s[1] === 'ready' || s[1] === 'replicas' || s[1] === 'status')) return s[1];
  if (s.length === 1 && s[0] === 'metrics') return 'metrics';
  return undefined;
}

function proxyRoute(s: readonly string[]): ProxyRoute | undefined {
  if (s.length === 1 && s[0] === 'federate') return { kind: 'proxy', endpoint: 'federate' };
  if (s[0] !== 'api' || s[1] !== 'v1') return undefined;
  const [, , a, b, c] = s;
  if (a === undefined) return undefined;
  if (s.length === 3 && Object.hasOwn(API_V1, a)) return { kind: 'proxy', endpoint: API_V1[a]! };
  if (s.length === 4 && a === 'targets' && b === 'metadata') return { kind: 'proxy', endpoint: 'targets_metadata' };
  if (s.length === 4 && a === 'status' && b !== undefined && Object.hasOwn(STATUS, b)) {
    return { kind: 'proxy', endpoint: STATUS[b]! };
  }
  if (s.length === 5 && a === 'label' && b !== undefined && c === 'values') {
    return { kind: 'proxy', endpoint: 'label_values', label: b };
  }
  return undefined;
}
