import { Readable } from 'node:stream';

export interface ReadBody {
  readonly body: Buffer;
  /** Set when the body outgrew the limit: the unread remainder. */
  readonly rest?: Readable;
}

/**
 * Reads a body whole while it stays within `limit` bytes, so a replica dying mid-answer is
 * noticed before anything reaches the client. Past the limit the answer is committed: the prefix
 * read so far, and the rest as a stream that drains the same iterator.
 */
export async function readBodyUpTo(stream: Readable, limit: number): Promise<ReadBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  for (;;) {
    const { value, done } = await iterator.next();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (size > limit) return { body: Buffer.concat(chunks, size), rest: Readable.from(drain(iterator, stream)) };
  }
  return { body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) };
}

async function* drain(iterator: AsyncIterator<Buffer>, source: Readable): AsyncGenerator<Buffer> {
  try {
    for (;;) {
      const { value, done } = await iterator.next();
      if (done) return;
      yield value;
    }
  } finally {
    if (!source.destroyed) source.destroy();
  }
}
