import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { UpstreamAnswer } from '../upstream/upstream-types.js';

/** Writes a replica's answer back as it came: status, headers, body (buffered, or prefix then stream). */
export function sendAnswer(reply: FastifyReply, answer: UpstreamAnswer): FastifyReply {
  reply.code(answer.statusCode);
  for (const [name, value] of Object.entries(answer.headers)) reply.header(name, value);
  reply.header('x-promgate-replica', answer.replica);
  if (!answer.rest) return reply.send(answer.body);
  const rest = answer.rest;
  // The client may be gone already, in which case 'close' has fired and will not again.
  if (reply.raw.destroyed) {
    rest.destroy();
    return reply;
  }
  reply.raw.once('close', () => rest.destroy());
  return reply.send(Readable.from(concat(answer.body, rest)));
}

async function* concat(prefix: Buffer, rest: Readable): AsyncGenerator<Buffer> {
  yield prefix;
  for await (const chunk of rest) yield chunk as Buffer;
}
