import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBodyUpTo } from '../../../src/upstream/body-reader.js';

const source = (chunks: string[]) => Readable.from(chunks.map((c) => Buffer.from(c)), { objectMode: false });

describe('readBodyUpTo', () => {
  it('buffers a body within the limit whole', async () => {
    const { body, rest } = await readBodyUpTo(source(['ab', 'cd']), 10);
    expect([body.toString(), rest]).toEqual(['abcd', undefined]);
  });

  it('past the limit, the prefix plus the remainder is the whole body', async () => {
    const { body, rest } = await readBodyUpTo(source(['ab', 'cd', 'ef', 'gh']), 3);
    const tail: Buffer[] = [];
    for await (const c of rest!) tail.push(c as Buffer);
    expect(body.toString() + Buffer.concat(tail).toString()).toBe('abcdefgh');
  });

  // Regression (review finding): a remainder destroyed before anyone read it left the upstream
  // body paused, holding its pool connection forever.
  it('destroying an unread remainder destroys the source', async () => {
    const src = source(['ab', 'cd', 'ef', 'gh']);
    const { rest } = await readBodyUpTo(src, 3);
    rest!.destroy();
    await new Promise((r) => setImmediate(r));
    expect(src.destroyed).toBe(true);
  });
});
