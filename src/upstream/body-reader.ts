import { Readable } from 'node:stream';

export interface ReadBody {
  readonly body: Buffer;
  /** Set when the body outgrew the limit: the unread remainder. Destroying it releases the source. */
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
    if (size > limit) return { body: Buffer.concat(chunks, size), rest: new Remainder(iterator, stream) };
  }
  return { body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) };
}

/**
 * The unread part of a body. Destroying it destroys the source even if nothing was read yet: an
 * upstream body left paused would hold its pool connection forever (bodyTimeout does not run
 * while paused), and a generator-based stream skips its cleanup when destroyed before its start.
 */
class Remainder extends Readable {
  readonly #iterator: AsyncIterator<Buffer>;
  readonly #source: Readable;

  constructor(iterator: AsyncIterator<Buffer>, source: Readable) {
    super();
    this.#iterator = iterator;
    this.#source = source;
  }

  override _read(): void {
    this.#iterator.next().then(
      ({ value, done }) => {
        if (done) this.push(null);
        else this.push(value);
      },
      (err: unknown) => this.destroy(err as Error),
    );
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (!this.#source.destroyed) this.#source.destroy();
    callback(err);
  }
}
