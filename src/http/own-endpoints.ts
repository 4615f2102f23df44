import type { FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';

export interface OwnEndpointDeps {
  readonly registry: Registry;
  /** True while at least one replica is live and promgate is not draining. */
  readonly isReady: () => boolean;
}

export type OwnEndpoint = 'healthy' | 'ready' | 'metrics';

/** promgate's own endpoints, worded like Prometheus's so probes written for it keep working. */
export async function serveOwnEndpoint(name: OwnEndpoint, reply: FastifyReply, deps: OwnEndpointDeps): Promise<void> {
  switch (name) {
    case 'healthy':
      return void reply.code(200).type('text/plain; charset=utf-8').send('Promgate is Healthy.\n');
    case 'ready':
      if (deps.isReady()) return void reply.code(200).type('text/plain; charset=utf-8').send('Promgate is Ready.\n');
      return void reply.code(503).type('text/plain; charset=utf-8').send('Service Unavailable: no healthy replica.\n');
    case 'metrics': {
      const text = await deps.registry.metrics();
      return void reply.code(200).type(deps.registry.contentType).send(text);
    }
  }
}
