import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Clock, systemClock } from '../clock/clock.js';
import { AttemptCanceledError, BadRequestError, ForbiddenPathError, MethodNotAllowedError, NotFoundPathError } from '../errors/index.js';
import type { GatewayRequest } from '../gateway/gateway.js';
import type { UpstreamAnswer } from '../upstream/upstream-types.js';
import { classifyPath, normalizePath } from '../query/path.js';
import { forwardableRequestHeaders } from '../upstream/headers.js';
import { OWN_ENDPOINT_ALLOW, type OwnEndpointDeps, ownEndpointAllows, serveOwnEndpoint } from './own-endpoints.js';
import { sendAnswer } from './send-answer.js';

export interface ProxyHandlerDeps extends OwnEndpointDeps {
  /** The running configuration's gateway (a reload swaps it). */
  readonly gateway: { handle(req: GatewayRequest): Promise<UpstreamAnswer> };
  /** Reloads the configuration: `POST /-/reload` is served only when this is given (--web.enable-lifecycle). */
  readonly reload?: (() => Promise<void>) | undefined;
  readonly onRefused: (reason: string) => void;
  /** True once the listener closed: answers then close their connection so the drain can finish. */
  readonly isDraining: () => boolean;
  /** See http.half_close_grace. */
  readonly halfCloseGraceMs?: number | undefined;
  readonly clock?: Clock | undefined;
}

/**
 * The one route: every request's path is normalized first (percent-decoding, `//`, `.`/`..`) and
 * only then checked against the allowlist, so no spelling of a refused path reaches a replica;
 * what is forwarded is the canonical path that was checked, never the raw one.
 */
export function buildProxyHandler(deps: ProxyHandlerDeps) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> => {
    const target = request.raw.url ?? '';
    // Absolute-form (`GET http://elsewhere/...`) and asterisk-form targets name no path of ours.
    if (!target.startsWith('/')) throw refused(deps, 'bad_target', new BadRequestError('request target must be a path (origin-form)'));
    const q = target.indexOf('?');
    const rawPath = q < 0 ? target : target.slice(0, q);
    const rawQuery = q < 0 ? '' : target.slice(q + 1);
    const normalized = normalizePath(rawPath);
    if (!normalized.ok) throw refused(deps, 'bad_path', new BadRequestError(`invalid path: ${normalized.reason}`));
    if (deps.reload && normalized.path === '/-/reload') return serveReload(request, reply, deps.reload);
    const route = classifyPath(normalized.segments, request.method);
    request.promgateEndpoint = route.kind === 'proxy' ? route.endpoint : route.kind === 'own' ? route.name : 'refused';
    switch (route.kind) {
      case 'own':
        if (!ownEndpointAllows(request.method)) {
          request.promgateEndpoint = 'refused';
          // Kept by the error handler, which only replaces content-type and the body.
          reply.header('allow', OWN_ENDPOINT_ALLOW);
          throw refused(deps, 'method', new MethodNotAllowedError(`method ${request.method} is not allowed on ${normalized.path}`));
        }
        return serveOwnEndpoint(route.name, request.method, reply, deps);
      case 'forbidden':
        throw refused(deps, 'forbidden', new ForbiddenPathError(`promgate does not forward ${normalized.path}: ${route.reason}`));
      case 'not_found':
        throw refused(deps, 'not_found', new NotFoundPathError(`promgate does not serve ${normalized.path}`));
      case 'method_not_allowed':
        throw refused(deps, 'method', new MethodNotAllowedError(`method ${request.method} is not allowed on ${normalized.path}`));
      case 'proxy':
        break;
    }
    let controller: AbortController | undefined;
    const clientSignal = (): AbortSignal => (controller ??= watchClient(request, reply, deps.clock ?? systemClock, deps.halfCloseGraceMs ?? 250)).signal;
    const body = Buffer.isBuffer(request.body) ? request.body : undefined;
    const answer = await deps.gateway.handle({
      method: request.method,
      route,
      path: normalized.path,
      rawQuery,
      clientHeaders: request.headers,
      forwardHeaders: forwardableRequestHeaders(request.headers),
      body,
      clientSignal,
    });
    return sendAnswer(reply, answer);
  };
}

/**
 * An AbortController that aborts when the client is gone: at once when its connection closes
 * before the answer is written; `graceMs` after it half-closes (FIN), which may be a client that
 * only finished sending (kept answered, like HAProxy) or one that left (canceled, like Prometheus,
 * whose Go server cancels a request's context on EOF).
 */
function watchClient(request: FastifyRequest, reply: FastifyReply, clock: Clock, graceMs: number): AbortController {
  const c = new AbortController();
  const socket = request.raw.socket;
  if (request.raw.destroyed || socket.destroyed) {
    c.abort(new AttemptCanceledError('client went away'));
    return c;
  }
  let grace: ReturnType<Clock['setTimeout']> | undefined;
  const onEnd = () => {
    grace ??= clock.setTimeout(() => c.abort(new AttemptCanceledError('client half-closed its connection and did not read an answer in time')), graceMs);
  };
  if (socket.readableEnded) onEnd();
  else socket.once('end', onEnd);
  reply.raw.once('close', () => {
    socket.off('end', onEnd);
    if (grace) clock.clearTimeout(grace);
    if (!reply.raw.writableFinished) c.abort(new AttemptCanceledError('client went away'));
  });
  return c;
}

/**
 * Prometheus's lifecycle reload (web/web.go): POST or PUT, 200 with no body once the new
 * configuration runs, 500 with the reason when it does not load; other methods 405.
 */
async function serveReload(request: FastifyRequest, reply: FastifyReply, reload: () => Promise<void>): Promise<FastifyReply> {
  request.promgateEndpoint = 'reload';
  if (request.method !== 'POST' && request.method !== 'PUT') {
    return reply.code(405).header('allow', 'POST, PUT').type('text/plain; charset=utf-8').send('Only POST or PUT requests allowed\n');
  }
  try {
    await reload();
    return reply.code(200).send();
  } catch (err) {
    return reply.code(500).type('text/plain; charset=utf-8').send(`failed to reload config: ${(err as Error).message}\n`);
  }
}

function refused(deps: ProxyHandlerDeps, reason: string, err: Error): Error {
  deps.onRefused(reason);
  return err;
}
