import type { TLSSocket } from 'node:tls';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, LogController } from 'fastify';
import { clientCertRefusal, type Config, type WebConfig } from '../config/index.js';
import { toPrometheusBody, BadRequestError } from '../errors/index.js';
import { buildBasicAuthHook } from './basic-auth.js';
import { buildClientErrorHandler } from './client-error.js';
import { errorHandler } from './error-handler.js';
import { buildLimitsHook } from './limits-hook.js';
import { buildProxyHandler, type ProxyHandlerDeps } from './proxy-handler.js';
import { refuseConnect } from './refuse-connect.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The endpoint a request was classified as, for metrics labels. */
    promgateEndpoint: string;
  }
}

// Methods a Prometheus read API client may send; anything else is refused by the handler.
const METHODS = ['GET', 'HEAD', 'POST', 'OPTIONS', 'PUT', 'DELETE', 'PATCH'];

// Node's own parser limit sits above ours, so most oversized requests reach the hook and get a
// precise 414/431; the slack covers the request line and header framing.
const PARSER_SLACK_BYTES = 8 * 1024;

/** The listener's TLS and users, as --web.config.file gives them; a reload replaces `current`. */
export interface WebSettings {
  current: WebConfig;
}

export function buildServer(config: Config, deps: ProxyHandlerDeps, metrics: GatewayMetrics, settings: WebSettings = { current: {} }): FastifyInstance {
  const web = settings.current;
  const nodeServer = { maxHeaderSize: config.limits.max_header_bytes + PARSER_SLACK_BYTES };
  const app = Fastify({
    logger: config.log_level === 'silent' ? false : { level: config.log_level },
    // A log line per request would cost more than proxying it; metrics count requests instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.limits.max_body_bytes,
    // With `https` set, fastify hands it to https.createServer and ignores `http`: the parser limit goes in either.
    ...(web.tls ? { https: { ...web.tls, ...nodeServer } } : { http: nodeServer }),
    clientErrorHandler: buildClientErrorHandler(config.limits.max_url_bytes),
    // Requests arriving on kept-alive connections while draining are answered (with Connection:
    // close), not refused with fastify's 503: a rolling restart loses no request that reached us.
    return503OnClosing: false,
    // Closing must not cut a kept-alive connection whose client may be sending its next request
    // right now: each connection closes after its next answer (Connection: close), and the app
    // closes the ones still idle after a linger (see App.close).
    forceCloseConnections: false,
    frameworkErrors: (error: FastifyError, _request: unknown, reply: FastifyReply) => {
      // The router refuses a path it cannot percent-decode (`%zz`, overlong UTF-8 such as `%c0%ae`)
      // before the proxy handler runs; normalizePath refuses the same paths, as bad_path, so they
      // are counted the same way here.
      if (error.code === 'FST_ERR_BAD_URL') deps.onRefused('bad_path');
      const { statusCode, body } = toPrometheusBody(new BadRequestError(error.message, { cause: error }));
      void reply.code(statusCode).header('content-type', 'application/json').send(JSON.stringify(body));
    },
  });

  // Bodies are kept as raw bytes: they are forwarded, and retried, exactly as sent.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: config.limits.max_body_bytes }, (_req, body, done) => done(null, body));

  app.decorateRequest('promgateEndpoint', 'unclassified');
  app.addHook('onRequest', buildLimitsHook(config.limits));
  // Every path asks, /metrics and /-/ready included, as Prometheus with basic_auth_users; read on
  // each request, so a reload that adds, changes or removes users takes effect at once.
  app.addHook('onRequest', buildBasicAuthHook(() => settings.current.basicAuthUsers));
  app.addHook('onSend', (_request, reply, payload, done) => {
    // Node's server.close() only closes connections idle at that moment; one that finishes its
    // last request during the drain would otherwise hold the process for keepAliveTimeout.
    if (deps.isDraining()) reply.header('connection', 'close');
    done(null, payload);
  });
  // Callback style: these run on every request, and async hooks cost a promise each.
  app.addHook('onResponse', (request, reply, done) => {
    metrics.answered(request.promgateEndpoint, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  app.setErrorHandler(errorHandler);
  const handler = buildProxyHandler({ halfCloseGraceMs: config.http.half_close_grace, ...deps });
  app.setNotFoundHandler(handler);
  app.route({ method: METHODS, url: '*', handler });
  app.server.on('connect', refuseConnect(deps.onRefused));
  if (web.tls) {
    // The part of client_auth_type Node's options cannot express (RequireAnyClientCert, VerifyClientCertIfGiven).
    app.server.on('secureConnection', (socket: TLSSocket) => {
      const tls = settings.current.tls;
      if (!tls) return;
      const why = clientCertRefusal(tls.clientAuthType, socket);
      if (why === undefined) return;
      app.log.debug({ remoteAddress: socket.remoteAddress, why }, 'TLS client refused');
      socket.destroy();
    });
  }
  // Node's default ends the socket as soon as a client half-closes, so a request sent by
  // `printf ... | nc` or an HTTP/1.0-style tool would get no answer at all; Prometheus and HAProxy
  // answer it. With this set, Node finishes the response and then closes (see http.half_close_grace
  // for what happens to the request meanwhile).
  (app.server as typeof app.server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  return app;
}
