// Raw-byte HTTP for tests that compare answers exactly (gzip bodies included), and a bounded
// parallel map so a few hundred comparisons finish in seconds without flooding a 2-core box.

import { request } from 'undici';

export interface ByteAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  readonly ms: number;
}

export interface ByteRequest {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Whole-request deadline; default 30s. */
  readonly timeoutMs?: number;
}

/** One request; the body is read whole as bytes and never decompressed. */
export async function requestBytes(url: string, opts: ByteRequest = {}): Promise<ByteAnswer> {
  const started = performance.now();
  const res = await request(url, {
    method: (opts.method ?? 'GET') as 'GET',
    headers: opts.headers,
    body: opts.body,
    signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
  });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body, ms: performance.now() - started };
}

/** The header's value as one string (first value if repeated), or undefined. */
export function header(a: { readonly headers: Record<string, string | string[] | undefined> }, name: string): string | undefined {
  const v = a.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}
