/**
 * The Coalescer's reference counting (issue #7): waiters leave one by one, and the shared
 * evaluation is aborted when nobody waits for it any more. Grafana cancels in-flight queries when a
 * dashboard's time range changes or the page is left, so this is the common case, not an edge.
 * (test/unit/cache/coalescer.test.ts covers sharing without signals.)
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Coalescer } from '../../../src/cache/coalescer.js';
import { AttemptCanceledError } from '../../../src/errors/index.js';

/** A piece of work under test control: how often it ran, its signals, and how to finish each run. */
function controllableWork() {
  const runs: { signal: AbortSignal; resolve: (n: number) => void; reject: (e: unknown) => void }[] = [];
  const work = (signal: AbortSignal) =>
    new Promise<number>((resolve, reject) => {
      runs.push({ signal, resolve, reject });
    });
  return { work, runs };
}

/** Records how a promise settled, so a test can look without awaiting it. */
function watch<T>(p: Promise<T>) {
  const state: { status: 'pending' | 'fulfilled' | 'rejected'; value?: T; reason?: unknown } = { status: 'pending' };
  p.then(
    (value) => Object.assign(state, { status: 'fulfilled', value }),
    (reason: unknown) => Object.assign(state, { status: 'rejected', reason }),
  );
  return state;
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  // Node reports unhandled rejections after the microtask queue drains; one macrotask turn lets it.
  await new Promise<void>((r) => setImmediate(r));
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});

afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
  vi.restoreAllMocks();
});

describe('Coalescer reference counting', () => {
  it('runs one evaluation for N waiters, each with its own signal', async () => {
    const c = new Coalescer<number>();
    const { work, runs } = controllableWork();
    const clients = Array.from({ length: 5 }, () => new AbortController());
    const waits = clients.map((cl) => c.run('k', work, cl.signal));
    expect(waits.map((w) => w.joined)).toEqual([false, true, true, true, true]);
    expect(runs.length).toBe(1);
    runs[0]!.resolve(42);
    expect(await Promise.all(waits.map((w) => w.promise))).toEqual([42, 42, 42, 42, 42]);
    expect(c.size).toBe(0);
  });

  it('a waiter that leaves gets AttemptCanceledError at once; the others still get the value', async () => {
    const c = new Coalescer<number>();
    const { work, runs } = controllableWork();
    const [x, y, z] = [new AbortController(), new AbortController(), new AbortController()];
    const wx = watch(c.run('k', work, x.signal).promise);
    const wy = watch(c.run('k', work, y.signal).promise);
    const wz = watch(c.run('k', work, z.signal).promise);
    y.abort();
    await flush();
    // Before the evaluation has finished.
    expect(wy.status).toBe('rejected');
    expect(wy.reason).toBeInstanceOf(AttemptCanceledError);
    expect([wx.status, wz.status]).toEqual(['pending', 'pending']);
    expect(runs[0]!.signal.aborted).toBe(false);
    runs[0]!.resolve(7);
    await flush();
    expect([wx.value, wz.value]).toEqual([7, 7]);
  });

  it('when the last waiter leaves, the evaluation’s signal is aborted with AttemptCanceledError', async () => {
    const c = new Coalescer<number>();
    const { work, runs } = controllableWork();
    const [x, y] = [new AbortController(), new AbortController()];
    const wx = watch(c.run('k', work, x.signal).promise);
    const wy = watch(c.run('k', work, y.signal).promise);
    x.abort();
    await flush();
    expect(runs[0]!.signal.aborted).toBe(false);
    y.abort();
    await flush();
    expect(runs[0]!.signal.aborted).toBe(true);
    expect(runs[0]!.signal.reason).toBeInstanceOf(AttemptCanceledError);
    expect([wx.status, wy.status]).toEqual(['rejected', 'rejected']);
    expect(c.size).toBe(0);
  });

  it('a request arriving after everybody left starts a fresh evaluation, not joining the aborted one', async () => {
    const c = new Coalescer<number>();
    const { work, runs } = controllableWork();
    const x = new AbortController();
    watch(c.run('k', work, x.signal).promise);
    x.abort();
    await flush();
    const fresh = c.run('k', work, new AbortController().signal);
    expect(fresh.joined).toBe(false);
    expect(runs.length).toBe(2);
    expect(runs[1]!.signal.aborted).toBe(false);
    const wf = watch(fresh.promise);
    // The aborted evaluation ends late, as an undici request does once its signal fired; it must
    // neither settle nor evict the fresh one.
    runs[0]!.reject(runs[0]!.signal.reason);
    await flush();
    expect(wf.status).toBe('pending');
    expect(c.size).toBe(1);
    expect(c.run('k', work, new AbortController().signal).joined).toBe(true);
    runs[1]!.resolve(3);
    await flush();
    expect(wf.value).toBe(3);
    expect(c.size).toBe(0);
  });

  it('a waiter without a signal never leaves: the evaluation goes on when all the others left', async () => {
    const c = new Coalescer<number>();
    const { work, runs } = controllableWork();
    const steady = watch(c.run('k', work).promise);
    const clients = [new AbortController(), new AbortController()];
    const leaving = clients.map((cl) => watch(c.run('k', work, cl.signal).promise));
    for (const cl of clients) cl.abort();
    await flush();
    expect(leaving.map((w) => w.status)).toEqual(['rejected', 'rejected']);
    expect(runs[0]!.signal.aborted).toBe(false);
    expect(c.run('k', work).joined).toBe(true);
    runs[0]!.resolve(9);
    await flush();
    expect(steady.value).toBe(9);
    expect(runs.length).toBe(1);
  });

  it('the first waiter without a signal keeps the evaluation alive for later waiters too', async () => {
    const c = new Coalescer<number>();
    const { work, runs } = controllableWork();
    const first = c.run('k', work);
    const x = new AbortController();
    watch(c.run('k', work, x.signal).promise);
    x.abort();
    await flush();
    expect(runs[0]!.signal.aborted).toBe(false);
    runs[0]!.resolve(1);
    expect(await first.promise).toBe(1);
  });

  it('a waiter whose signal already aborted is refused at once and starts nothing', async () => {
    const c = new Coalescer<number>();
    const { work, runs } = controllableWork();
    const gone = new AbortController();
    gone.abort();
    const r = c.run('k', work, gone.signal);
    expect(r.joined).toBe(false);
    await expect(r.promise).rejects.toBeInstanceOf(AttemptCanceledError);
    expect(runs.length).toBe(0);
    expect(c.size).toBe(0);
  });

  it('no unhandled rejection when everybody left and the aborted evaluation then rejects', async () => {
    const c = new Coalescer<number>();
    const { work, runs } = controllableWork();
    const clients = [new AbortController(), new AbortController()];
    const waits = clients.map((cl) => c.run('k', work, cl.signal));
    const seen = waits.map((w) => w.promise.catch((e: unknown) => e));
    for (const cl of clients) cl.abort();
    await flush();
    runs[0]!.reject(runs[0]!.signal.reason);
    await flush();
    for (const e of await Promise.all(seen)) expect(e).toBeInstanceOf(AttemptCanceledError);
    expect(unhandled).toEqual([]);
  });

  it('no unhandled rejection when the work throws synchronously or rejects with nobody waiting on a signal', async () => {
    const c = new Coalescer<number>();
    const thrown = c.run('t', () => {
      throw new Error('sync');
    });
    await expect(thrown.promise).rejects.toThrow('sync');
    const x = new AbortController();
    const late = c.run('r', (signal) => new Promise<number>((_r, reject) => signal.addEventListener('abort', () => reject(new Error('after abort')))), x.signal);
    const seen = late.promise.catch((e: unknown) => e);
    x.abort();
    await flush();
    expect(await seen).toBeInstanceOf(AttemptCanceledError);
    expect(unhandled).toEqual([]);
    expect(c.size).toBe(0);
  });

  it('a waiter that leaves after the evaluation settled gets the value, and aborts nothing', async () => {
    const c = new Coalescer<number>();
    const { work, runs } = controllableWork();
    const x = new AbortController();
    const p = c.run('k', work, x.signal).promise;
    runs[0]!.resolve(5);
    expect(await p).toBe(5);
    x.abort();
    await flush();
    expect(runs[0]!.signal.aborted).toBe(false);
  });
});
