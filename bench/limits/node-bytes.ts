#!/usr/bin/env node
/**
 * The hit limit: a bare node:http server that answers each URL with the bytes a replica answered
 * for it (status, content-type, body), fetched once at start and kept in a Map. Nothing else a
 * cache does (keys, freshness, accounting) happens here, so no Node server answering those bytes
 * can be much faster: promgate's dashboard hits are measured as a fraction of this.
 *
 *   node node-bytes.js --port P --upstream URL --path /-/ready --path '/api/v1/query_range?…' …
 *
 * A URL it was not given is a 404.
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { request } from 'undici';

interface Answer {
  status: number;
  headers: Record<string, string | number>;
  body: Buffer;
}

const { values } = parseArgs({ options: { port: { type: 'string' }, upstream: { type: 'string' }, path: { type: 'string', multiple: true } } });
const answers = new Map<string, Answer>();
for (const path of values.path ?? []) {
  // undici.request asks for no coding, like the load generator: the body is the identity bytes.
  const res = await request(`${values.upstream}${path}`);
  const body = Buffer.from(await res.body.arrayBuffer());
  const headers = { 'content-type': String(res.headers['content-type'] ?? 'application/json'), 'content-length': body.length };
  answers.set(path, { status: res.statusCode, headers, body });
}
createServer((req, res) => {
  const answer = answers.get(req.url ?? '');
  if (answer === undefined) res.writeHead(404).end();
  else res.writeHead(answer.status, answer.headers).end(answer.body);
}).listen(Number(values.port), '127.0.0.1');
