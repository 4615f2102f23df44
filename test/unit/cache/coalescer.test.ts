import { describe, expect, it } from 'vitest';
import { Coalescer } from '../../../src/cache/coalescer.js';

describe('Coalescer', () => {
  it('runs one evaluation for identical keys in flight, and a new one afterwards', async () => {
    const c = new Coalescer<number>();
    let runs = 0;
    let release!: (n: number) => void;
    const work = () => {
      runs++;
      return new Promise<number>((r) => (release = r));
    };
    const first = c.run('k', work);
    const second = c.run('k', work);
    const other = c.run('other', () => Promise.resolve(7));
    expect([first.joined, second.joined, other.joined]).toEqual([false, true, false]);
    release(42);
    expect(await Promise.all([first.promise, second.promise, other.promise])).toEqual([42, 42, 7]);
    expect(runs).toBe(1);
    expect(c.size).toBe(0);
    expect(c.run('k', () => Promise.resolve(1)).joined).toBe(false);
  });

  it('shares failures too, and forgets them', async () => {
    const c = new Coalescer<number>();
    const a = c.run('k', () => Promise.reject(new Error('boom')));
    const b = c.run('k', () => Promise.resolve(1));
    await expect(a.promise).rejects.toThrow('boom');
    await expect(b.promise).rejects.toThrow('boom');
    expect(await c.run('k', () => Promise.resolve(2)).promise).toBe(2);
  });
});
