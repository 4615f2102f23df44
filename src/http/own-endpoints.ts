import type { FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import { NotFoundPathError } from '../errors/index.js';
import { STATUS_PAGE_CSP, STATUS_PAGE_HTML } from '../status/status-page.js';

export interface OwnEndpointDeps {
  readonly registry: Registry;
  /** True while at least one replica is live and promgate is not draining. */
  readonly isReady: () => boolean;
  /** What /-/replicas shows: each replica's health, breaker and known holes, as JSON. */
  readonly replicasStatus?: (() => unknown) | undefined;
  /** What /-/status answers and the status page at / renders (see status/status-snapshot.ts). */
  readonly status?: (() => unknown) | undefined;
}

export type OwnEndpoint = 'healthy' | 'ready' | 'metrics' | 'replicas' | 'status-page' | 'status';

/**
 * The methods the own endpoints answer; any other is refused with 405 and this Allow header, as
 * Prometheus does. Prometheus 2.42 registers /-/healthy and /-/ready for GET and HEAD (web/web.go)
 * and /metrics for GET alone; its router (julienschmidt/httprouter) answers OPTIONS itself with
 * 200, an Allow header and no body, and every other method with 405 and an Allow header. promgate
 * also answers HEAD on /metrics, where Prometheus says 405: a server that answers GET answers
 * HEAD (RFC 9110 §9.1), and no probe can rely on the 405.
 */
const OWN_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
export const OWN_ENDPOINT_ALLOW = [...OWN_METHODS].join(', ');

export function ownEndpointAllows(method: string): boolean {
  return OWN_METHODS.has(method);
}

/** promgate's own endpoints, worded like Prometheus's so probes written for it keep working. */
export async function serveOwnEndpoint(name: OwnEndpoint, method: string, reply: FastifyReply, deps: OwnEndpointDeps): Promise<void> {
  if (method === 'OPTIONS') return void reply.code(200).header('allow', OWN_ENDPOINT_ALLOW).send();
  switch (name) {
    case 'healthy':
      return void reply.code(200).type('text/plain; charset=utf-8').send('Promgate is Healthy.\n');
    case 'ready':
      if (deps.isReady()) return void reply.code(200).type('text/plain; charset=utf-8').send('Promgate is Ready.\n');
      return void reply.code(503).type('text/plain; charset=utf-8').send('Service Unavailable: no healthy replica.\n');
    case 'replicas':
      return void reply
        .code(200)
        .type('application/json')
        .send(JSON.stringify({ status: 'success', data: deps.replicasStatus?.() ?? [] }));
    case 'status-page':
      return void reply
        .code(200)
        .headers({ 'content-security-policy': STATUS_PAGE_CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-cache' })
        .type('text/html; charset=utf-8')
        .send(STATUS_PAGE_HTML);
    case 'status': {
      if (!deps.status) throw new NotFoundPathError('promgate does not serve /-/status: no status source is wired');
      // Read on every request: the page polls it, and a cached answer would hide a replica going down.
      return void reply
        .code(200)
        .headers({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
        .type('application/json')
        .send(JSON.stringify({ status: 'success', data: deps.status() }));
    }
    case 'metrics': {
      const text = await deps.registry.metrics();
      return void reply.code(200).type(deps.registry.contentType).send(text);
    }
  }
}
