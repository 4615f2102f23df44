import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Clock, systemClock } from '../clock/clock.js';
import { AttemptCanceledError, BadRequestError, ForbiddenPathError, MethodNotAllowedError, NotFoundPathError, ShuttingDownError } from '../errors/index.js';
import type { Gateway } from '../gateway/gateway.js';
import { classifyPath, normalizePath } from '../query/path.js';
import { forwardableRequestHeaders } from '../upstream/headers.js';
import { OWN_ENDPOINT_ALLOW, type OwnEndpointDeps, ownEndpointAllows, serveOwnEndpoint } from './own-endpoints.js';
import { sendAnswer } from './send-answer.js';

export interface ProxyHandlerDeps extends OwnEndpointDeps {
  readonly gateway: Gateway;
  readonly onRefused: (reason: string) => void;
  /** True once shutdown began: answers then close their connection so the drain can finish. */
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
    if (deps.isDraining()) throw new ShuttingDownError('promgate is shutting down');
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

function refused(deps: ProxyHandlerDeps, reason: string, err: Error): Error {
  deps.onRefused(reason);
  return err;
}
