/**
 * Review of 2954600 (exact repeats through an alias). exactKeyOf leaves Content-Type out of the
 * key when the body is empty, but parseForm (and Go's r.ParseForm) read the Content-Type even
 * then: a POST with an invalid media type makes /api/v1/series (and the others that call
 * ParseForm) answer 400, and makes promgate's own normalized path refuse to key the request (it
 * passes it through). The alias path answers it from the cache instead, with the 200 kept for a
 * POST spelled the same without that header.
 */
import { describe, expect, it } from 'vitest';
import { CacheStore } from '../../../src/cache/cache-store.js';
import { silentCacheObserver } from '../../../src/cache/cache-observer.js';
import { RangeCache } from '../../../src/cache/range-cache.js';
import { parseConfigText } from '../../../src/config/index.js';
import { Gateway, type GatewayRequest } from '../../../src/gateway/gateway.js';
import { classifyPath, normalizePath } from '../../../src/query/index.js';
import { AttemptRunner, type RoutableReplica, type StartedAttempt } from '../../../src/routing/attempt-runner.js';
import { RoundRobin } from '../../../src/routing/round-robin.js';
import type { RoutingObserver } from '../../../src/routing/routing-observer.js';
import { forwardableRequestHeaders } from '../../../src/upstream/headers.js';
import { LatencyWindow } from '../../../src/upstream/latency-window.js';
import type { UpstreamAnswer, UpstreamRequest } from '../../../src/upstream/upstream-types.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const QUIET: RoutingObserver = { attempt: () => undefined, retry: () => undefined, hedge: () => undefined, hedgeWon: () => undefined, throttled: () => undefined, rescue: () => undefined };

/** A Prometheus /api/v1/series: Go's r.ParseForm fails on a POST whose Content-Type is not a media type, and series answers 400. */
class GoLikeReplica implements RoutableReplica {
  inFlight = 0;
  live = true;
  readonly name = 'a';
  readonly window = new LatencyWindow();
  readonly seen: UpstreamRequest[] = [];
  start(req: UpstreamRequest): StartedAttempt {
    this.seen.push(req);
    const ct = req.headers['content-type'];
    const badMediaType = req.method === 'POST' && ct !== undefined && !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+\/[!#$%&'*+\-.^_`|~0-9A-Za-z]+(\s*;.*)?$/.test(ct);
    const answer: UpstreamAnswer = badMediaType
      ? { replica: 'a', statusCode: 400, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"status":"error","errorType":"bad_data","error":"error parsing form values: mime: no media type"}') }
      : { replica: 'a', statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"status":"success","data":[{"__name__":"up","job":"node"}]}') };
    return { result: Promise.resolve(answer), record: () => undefined };
  }
  latencyFor() {
    return [this.window];
  }
}

function post(target: string, headers: Record<string, string>): GatewayRequest {
  const q = target.indexOf('?');
  const path = normalizePath(target.slice(0, q));
  if (!path.ok) throw new Error(path.reason);
  const route = classifyPath(path.segments, 'POST');
  if (route.kind !== 'proxy') throw new Error('not proxied');
  const signal = new AbortController().signal;
  return { method: 'POST', route, path: path.path, rawQuery: target.slice(q + 1), clientHeaders: headers, forwardHeaders: forwardableRequestHeaders(headers), body: Buffer.alloc(0), clientSignal: () => signal };
}

describe('review 2954600: the exact key and Content-Type', () => {
  it('a POST with an empty body and an invalid Content-Type is not answered from the alias of the same POST without it', async () => {
    const config = parseConfigText('replicas: [{url: "http://a:1"}]\n');
    const clock = new FakeClock(NOW);
    const replica = new GoLikeReplica();
    const runner = new AttemptRunner(config.routing, { live: () => [replica] }, new RoundRobin(), { clock, observer: QUIET });
    const store = new CacheStore({ maxBytes: config.cache.max_bytes, now: () => clock.now(), observer: silentCacheObserver });
    const gateway = new Gateway(config.cache, { runner, store, rangeCache: new RangeCache(store, config.cache), clock, observer: silentCacheObserver, stickyRouting: false });
    const target = `/api/v1/series?match[]=up&start=${(NOW - 7_200_000) / 1000}&end=${(NOW - 3_600_000) / 1000}`;

    const plain = await gateway.handle(post(target, {}));
    expect(plain.statusCode).toBe(200);
    // Kept (metadata_ttl), and the alias of this spelling set.

    const malformed = await gateway.handle(post(target, { 'content-type': 'not a media type' }));
    // What Prometheus answers this request, and what promgate's normalized path would do (parseForm
    // reports "mime: invalid media type", so the plan is passthrough):
    expect(replica.seen).toHaveLength(2);
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers['x-promgate-cache']).toBeUndefined();
  });
});
