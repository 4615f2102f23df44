// Review of #10's body-reader rewrite: past the limit, readBodyUpTo hands back the paused source
// with every listener it had taken off, 'error' included. Until a consumer attaches (sendAnswer's
// generator, or shared-fetcher's setImmediate release of an unclaimed answer), an upstream reset
// makes undici destroy the body with an error nobody listens to: an uncaught 'error' event, which
// takes the whole gateway down. The old Remainder kept the iterator's listeners on the source.
// Also: a source that already ended or closed never settles the promise.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBodyUpTo } from '../../../src/upstream/body-reader.js';

describe('readBodyUpTo past its limit', () => {
  it('an error on the remainder before it is read is not an uncaught exception', async () => {
    const source = new PassThrough();
    source.write(Buffer.alloc(64));
    const { rest } = await readBodyUpTo(source, 16);
    expect(rest).toBeDefined();
    // What undici does to a paused body when its socket is reset.
    expect(() => source.destroy(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }))).not.toThrow();
    await new Promise((r) => setImmediate(r));
    expect(source.listenerCount('error')).toBeGreaterThan(0);
  });
});

describe('readBodyUpTo on a source that already finished', () => {
  it('settles (rejects or resolves) instead of hanging', async () => {
    const source = new PassThrough();
    source.destroy();
    await new Promise((r) => setImmediate(r));
    const outcome = await Promise.race([readBodyUpTo(source, 16).then(() => 'settled', () => 'settled'), new Promise((r) => setTimeout(() => r('hung'), 200))]);
    expect(outcome).toBe('settled');
  });
});
