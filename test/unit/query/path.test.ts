import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { classifyPath, normalizePath, type PathClass } from '../../../src/query/path.js';

function classify(raw: string, method = 'GET'): PathClass | { kind: 'invalid' } {
  const n = normalizePath(raw);
  return n.ok ? classifyPath(n.segments, method) : { kind: 'invalid' };
}

/**
 * How Go net/http + Prometheus's router read a path we forward: URL.Path is the target decoded
 * once (every %XX, %2F included); ServeMux's cleanPath then drops `//`, `.` and resolves `..`.
 */
function upstreamView(forwarded: string): string {
  const decoded = decodeURIComponent(forwarded);
  const out: string[] = [];
  for (const s of decoded.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') out.pop();
    else out.push(s);
  }
  return `/${out.join('/')}`;
}

describe('normalizePath', () => {
  it.each([
    ['/', [], '/'],
    ['/api/v1/query', ['api', 'v1', 'query'], '/api/v1/query'],
    ['//api//v1///query', ['api', 'v1', 'query'], '/api/v1/query'],
    ['/api/v1/query/', ['api', 'v1', 'query'], '/api/v1/query'],
    ['/api/./v1/query/.', ['api', 'v1', 'query'], '/api/v1/query'],
    ['/api/v1/admin/../query', ['api', 'v1', 'query'], '/api/v1/query'],
    ['/../../api/v1/query', ['api', 'v1', 'query'], '/api/v1/query'], // never above the root
    ['/api/v1/%71uery', ['api', 'v1', 'query'], '/api/v1/query'],
    ['/api/v1/x/%2e%2e/query', ['api', 'v1', 'query'], '/api/v1/query'], // Go decodes, then cleans
    ['/api/v1/x/%2E/query', ['api', 'v1', 'x', 'query'], '/api/v1/x/query'],
    // Decoded once: the literal text %2e%2e stays a name, re-encoded so the upstream agrees.
    ['/api/v1/label/%252e%252e/values', ['api', 'v1', 'label', '%2e%2e', 'values'], '/api/v1/label/%252e%252e/values'],
    ['/api/v1/label/job/values', ['api', 'v1', 'label', 'job', 'values'], '/api/v1/label/job/values'],
    ['/api/v1/label/U__a_2e_b/values', ['api', 'v1', 'label', 'U__a_2e_b', 'values'], '/api/v1/label/U__a_2e_b/values'],
    ['/api/v1/label/caf%C3%A9/values', ['api', 'v1', 'label', 'café', 'values'], '/api/v1/label/caf%C3%A9/values'],
    ['/api/v1/query;jsessionid=1', ['api', 'v1', 'query;jsessionid=1'], '/api/v1/query%3Bjsessionid%3D1'],
    ['/a+b', ['a+b'], '/a%2Bb'],
  ])('%s → %j', (raw, segments, path) => {
    expect(normalizePath(raw)).toEqual({ ok: true, segments, path });
  });

  it.each([
    ['', 'path must start with /'],
    ['api/v1/query', 'path must start with /'],
    ['*', 'path must start with /'],
    ['http://x/api/v1/query', 'path must start with /'],
    ['/api/v1/query%', 'invalid percent-encoding'],
    ['/api/v1/query%2', 'invalid percent-encoding'],
    ['/api/v1/%zzquery', 'invalid percent-encoding'],
    ['/api/v1/query%00', 'NUL byte in path'],
    ['/api/v1/%00/../query', 'NUL byte in path'],
    ['/api/v1/query%0a', 'control character or backslash in path'],
    ['/api/v1\\admin', 'backslash in path'],
    ['/api/v1%5cadmin', 'control character or backslash in path'],
    ['/api/v1/%c0%ae%c0%ae/admin', 'percent-encoding is not valid UTF-8'], // overlong '.'
    ['/api/v1/%e0%80%ae', 'percent-encoding is not valid UTF-8'],
    ['/api/v1/%ff', 'percent-encoding is not valid UTF-8'],
    ['/api/v1/%ed%a0%80', 'percent-encoding is not valid UTF-8'], // a surrogate
    ['/api/v1/admin%2ftsdb%2fsnapshot', 'encoded slash in path segment'],
    ['/api/v1/label/a%2Fb/values', 'encoded slash in path segment'],
    ['/api/v1/label/..%2F..%2Fadmin%2Ftsdb%2Fsnapshot/values', 'encoded slash in path segment'],
    ['/api/v1/query#x', 'fragment in path'],
    ['/api/v1/qu ery', 'raw character outside printable ASCII'],
    ['/api/v1/café', 'raw character outside printable ASCII'],
    ['/api/v1/query\x00', 'raw character outside printable ASCII'],
  ])('refuses %j (%s)', (raw, reason) => {
    expect(normalizePath(raw)).toEqual({ ok: false, reason });
  });
});

describe('classifyPath', () => {
  it.each([
    ['/-/healthy', { kind: 'own', name: 'healthy' }],
    ['/-/ready', { kind: 'own', name: 'ready' }],
    ['/metrics', { kind: 'own', name: 'metrics' }],
    ['/%2D/healthy', { kind: 'own', name: 'healthy' }],
    ['/-/replicas', { kind: 'own', name: 'replicas' }],
    ['/-/status', { kind: 'own', name: 'status' }],
    ['/', { kind: 'own', name: 'status-page' }],
    ['//', { kind: 'own', name: 'status-page' }],
    ['/api/..', { kind: 'own', name: 'status-page' }],
    ['/-/status/', { kind: 'own', name: 'status' }],
    ['/api/v1/query', { kind: 'proxy', endpoint: 'query' }],
    ['/api/v1/query_range', { kind: 'proxy', endpoint: 'query_range' }],
    ['/api/v1/query_exemplars', { kind: 'proxy', endpoint: 'query_exemplars' }],
    ['/api/v1/format_query', { kind: 'proxy', endpoint: 'format_query' }],
    ['/api/v1/parse_query', { kind: 'proxy', endpoint: 'parse_query' }],
    ['/api/v1/labels', { kind: 'proxy', endpoint: 'labels' }],
    ['/api/v1/series', { kind: 'proxy', endpoint: 'series' }],
    ['/api/v1/label/job/values', { kind: 'proxy', endpoint: 'label_values', label: 'job' }],
    ['/api/v1/label/__name__/values', { kind: 'proxy', endpoint: 'label_values', label: '__name__' }],
    ['/api/v1/metadata', { kind: 'proxy', endpoint: 'metadata' }],
    ['/api/v1/targets', { kind: 'proxy', endpoint: 'targets' }],
    ['/api/v1/targets/metadata', { kind: 'proxy', endpoint: 'targets_metadata' }],
    ['/api/v1/rules', { kind: 'proxy', endpoint: 'rules' }],
    ['/api/v1/alerts', { kind: 'proxy', endpoint: 'alerts' }],
    ['/api/v1/alertmanagers', { kind: 'proxy', endpoint: 'alertmanagers' }],
    ['/api/v1/status/config', { kind: 'proxy', endpoint: 'status_config' }],
    ['/api/v1/status/flags', { kind: 'proxy', endpoint: 'status_flags' }],
    ['/api/v1/status/runtimeinfo', { kind: 'proxy', endpoint: 'status_runtimeinfo' }],
    ['/api/v1/status/buildinfo', { kind: 'proxy', endpoint: 'status_buildinfo' }],
    ['/api/v1/status/tsdb', { kind: 'proxy', endpoint: 'status_tsdb' }],
    ['/api/v1/status/walreplay', { kind: 'proxy', endpoint: 'status_walreplay' }],
    ['/federate', { kind: 'proxy', endpoint: 'federate' }],
    ['/api/v1/read', { kind: 'proxy', endpoint: 'read' }],
    ['/api/v1/query/', { kind: 'proxy', endpoint: 'query' }],
    ['//api//v1//query', { kind: 'proxy', endpoint: 'query' }],
  ])('%s → %j', (raw, want) => {
    expect(classify(raw)).toEqual(want);
  });

  it.each([
    '/api/v1/admin',
    '/api/v1/admin/tsdb/delete_series',
    '/api/v1/admin/tsdb/clean_tombstones',
    '/api/v1/admin/tsdb/snapshot',
    '/api/v1/query/../admin/tsdb/snapshot',
    '/api/v1/%61dmin/tsdb/snapshot',
    '/api/v1/%2e%2e/v1/admin/tsdb/snapshot',
    '/api/v1/./admin/tsdb/snapshot',
    '/api/v1//admin/tsdb/snapshot/',
    '/api/v1/label/../admin/tsdb/snapshot',
    '/API/v1/admin/tsdb/snapshot',
    '/api/V1/Admin',
    '/-/reload',
    '/-/reload/',
    '/%2D/reload',
    '/%2d/%72eload',
    '/-/./reload',
    '/x/../-/reload',
    '/-/quit',
    '/-/QUIT',
    '/api/v1/write',
    '/api/v1/write/',
    '/api/v1/%77rite',
    '/api/v1/%2e%2e/v1/write',
    '/api/v1/query/%2e%2e/write',
    '/api/v1/otlp/v1/metrics',
    '/api/v1/notifications',
    '/api/v1/notifications/live',
  ])('forbids %s whatever the method', (raw) => {
    for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS']) {
      expect(classify(raw, method).kind).toBe('forbidden');
    }
  });

  it.each([
    '/graph',
    '/query',
    '/api',
    '/api/v1',
    '/api/v2/query',
    '/api/v1/QUERY',
    '/API/v1/query',
    '/api/V1/query',
    '/Federate',
    '/api/v1/query;x',
    '/api/v1/query%3b',
    '/api/v1/query%20',
    '/api/v1/label/job',
    '/api/v1/label//values',
    '/api/v1/label/job/values/extra',
    '/api/v1/status',
    '/api/v1/status/tsdb/blocks',
    '/api/v1/status/Config',
    '/api/v1/targets/metadata/x',
    '/api/v1/%252e%252e/admin/tsdb/snapshot', // the literal %2e%2e is a name, so no admin path
    '/api/v1/query/%252e%252e/write',
    '/-/healthy/x',
    '/metrics/x',
    '/-/status/x',
    '/-/Status',
    '/index.html',
    '/-',
    '/debug/pprof/',
    '/static/../api/v1/write/../../v1/x',
    '/api/v1/constructor',
    '/api/v1/__proto__',
    '/api/v1/status/hasOwnProperty',
  ])('not_found %s', (raw) => {
    expect(classify(raw, 'GET')).toEqual({ kind: 'not_found' });
  });

  it('proxies GET, HEAD, POST and OPTIONS only, and refuses DELETE /api/v1/series', () => {
    for (const method of ['GET', 'HEAD', 'POST', 'OPTIONS']) expect(classify('/api/v1/series', method).kind).toBe('proxy');
    for (const method of ['DELETE', 'PUT', 'PATCH', 'TRACE', 'CONNECT', 'get', 'post']) {
      expect(classify('/api/v1/series', method)).toEqual({ kind: 'method_not_allowed' });
    }
  });

  it('matches nothing on segments normalizePath would never yield', () => {
    expect(classifyPath(['api', 'v1', 'label', '..', 'values'], 'GET')).toEqual({ kind: 'not_found' });
    expect(classifyPath(['api', 'v1', 'label', 'a/b', 'values'], 'GET')).toEqual({ kind: 'not_found' });
    expect(classifyPath(['api', 'v1', '', 'query'], 'GET')).toEqual({ kind: 'not_found' });
  });
});

describe('path properties', () => {
  const pieces = [
    'api', 'v1', 'admin', '..', '.', '', '%2e%2e', '%2E%2e', '%2e', '%252e%252e', '%2F', '%2f', 'write', '-', '%2D',
    'reload', 'quit', 'query', 'query_range', 'label', 'values', 'status', 'config', 'tsdb', 'snapshot', 'federate',
    'API', 'Admin', '%61dmin', 'otlp', 'notifications', 'metrics', 'healthy', '%00', '%5c', '\\', '%c0%ae', ';',
    'query;x', '%3b', 'a%2Fb', '%', '%zz', 'job', '+', '%20', '~',
  ];
  const rawPath = fc
    .tuple(fc.array(fc.constantFrom(...pieces), { maxLength: 10 }), fc.boolean())
    .map(([segs, trailing]) => `/${segs.join('/')}${trailing ? '/' : ''}`);
  const method = fc.constantFrom('GET', 'POST', 'HEAD', 'OPTIONS', 'PUT', 'DELETE');
  const forbiddenPrefixes = [['api', 'v1', 'admin'], ['api', 'v1', 'write'], ['api', 'v1', 'otlp'], ['api', 'v1', 'notifications'], ['-', 'reload'], ['-', 'quit']];

  it('normalizing the canonical path again changes nothing (idempotence)', () => {
    fc.assert(
      fc.property(rawPath, method, (raw, m) => {
        const first = normalizePath(raw);
        if (!first.ok) return;
        const second = normalizePath(first.path);
        expect(second).toEqual(first);
        expect(classifyPath(second.ok ? second.segments : [], m)).toEqual(classifyPath(first.segments, m));
      }),
      { numRuns: 5000 },
    );
  });

  it('never proxies a path whose canonical form starts with an admin, write or lifecycle prefix', () => {
    fc.assert(
      fc.property(rawPath, method, (raw, m) => {
        const n = normalizePath(raw);
        if (!n.ok) return;
        const lower = n.segments.map((s) => s.toLowerCase());
        const dangerous = forbiddenPrefixes.some((p) => p.every((x, i) => lower[i] === x));
        const got = classifyPath(n.segments, m);
        if (dangerous) expect(got.kind).toBe('forbidden');
        expect(got.kind === 'proxy' && dangerous).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });

  it('the upstream reads the forwarded path as exactly the segments we classified', () => {
    fc.assert(
      fc.property(rawPath, (raw) => {
        const n = normalizePath(raw);
        if (!n.ok) return;
        expect(upstreamView(n.path)).toBe(`/${n.segments.join('/')}`);
        // and reading the raw input the upstream's way lands on the same path
        expect(upstreamView(raw)).toBe(`/${n.segments.join('/')}`);
      }),
      { numRuns: 5000 },
    );
  });
});
