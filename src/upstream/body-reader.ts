import type { Readable } from 'node:stream';

export interface ReadBody {
  readonly body: Buffer;
  /** Set when the body outgrew the limit: the unread remainder. Destroying it releases the source. */
  readonly rest?: Readable;
}

/**
 * Reads a body whole while it stays within `limit` bytes, so a replica dying mid-answer is
 * noticed before anything reaches the client. Past the limit the answer is committed: the prefix
 * read so far, and the rest as the source itself, paused where it stopped (destroying it releases
 * the connection). Events rather than an async iterator: this runs for every answer, and an
 * iterator costs more than the small answers it reads.
 */
export function readBodyUpTo(stream: Readable, limit: number): Promise<ReadBody> {
  return new Promise<ReadBody>((resolve, reject) => {
    if (stream.destroyed || stream.readableEnded) {
      return reject(Object.assign(new Error('body already consumed or destroyed'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const whole = () => (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    const off = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size <= limit) return;
      stream.pause();
      off();
      // Until its reader attaches, an error (the replica dying) must not go unhandled: the stream
      // keeps it (`errored`) and a reader's iteration rejects with it.
      stream.on('error', ignore);
      resolve({ body: whole(), rest: stream });
    };
    const onEnd = () => {
      off();
      resolve({ body: whole() });
    };
    const onError = (err: Error) => {
      off();
      reject(err);
    };
    // Closed without an end or an error (destroyed from outside): the body is incomplete.
    const onClose = () => {
      off();
      reject(Object.assign(new Error('body closed before its end'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    stream.once('close', onClose);
  });
}

function ignore(): void {}
