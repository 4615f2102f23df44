#!/usr/bin/env node
/**
 * The miss limit: a bare node:http server that forwards every request round robin to the replicas
 * over one undici Pool each and pipes the answer back (status, headers but the hop-by-hop ones,
 * body). That is the least a Node reverse proxy does, so promgate's miss path is measured as a
 * fraction of it.
 *
 *   node node-proxy.js --port P --upstream URL --upstream URL …
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { pipeline } from 'node:stream';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

/** RFC 9110 §7.6.1: meant for one connection, not forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

const { values } = parseArgs({ options: { port: { type: 'string' }, upstream: { type: 'string', multiple: true } } });
const pools = (values.upstream ?? []).map((url) => new Pool(url));
let next = 0;
createServer((req, res) => {
  const pool = pools[next++ % pools.length]!;
  const body = req.method === 'GET' || req.method === 'HEAD' ? null : req;
  pool.request({ path: req.url ?? '/', method: req.method as 'GET', headers: endToEnd(req.headers), body }).then(
    (answer) => {
      res.writeHead(answer.statusCode, endToEnd(answer.headers));
      pipeline(answer.body, res, () => undefined);
    },
    () => (res.headersSent ? res.destroy() : res.writeHead(502).end()),
  );
}).listen(Number(values.port), '127.0.0.1');
