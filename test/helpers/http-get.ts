// A GET without connection pooling: probes of a SIGSTOPped replica must not reuse (or leave behind)
// a keep-alive socket, and every call gets its own deadline.

import { request } from 'node:http';

export interface HttpGetResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

export class HttpGetTimeoutError extends Error {
  readonly code = 'HTTP_GET_TIMEOUT';
}

export function httpGet(url: string, timeoutMs = 10_000): Promise<HttpGetResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const timer = setTimeout(() => {
      req.destroy(new HttpGetTimeoutError(`GET ${url} timed out after ${timeoutMs}ms`));
    }, timeoutMs);
    timer.unref();
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}
