import { request } from 'undici';
import { type App, buildApp } from '../../src/app.js';
import { parseConfigText } from '../../src/config/index.js';

export interface TestGateway {
  readonly app: App;
  readonly url: string;
  close(): Promise<void>;
}

/** A promgate on an ephemeral loopback port in front of `replicaUrls`, with extra YAML merged in. */
export async function startGateway(replicaUrls: readonly string[], extraYaml = ''): Promise<TestGateway> {
  const yaml = `listen_address: 127.0.0.1:0\nlog_level: silent\nreplicas:\n${replicaUrls.map((u) => `  - url: ${u}`).join('\n')}\n${extraYaml}`;
  const app = buildApp(parseConfigText(yaml));
  await app.start();
  const url = await app.listen();
  return { app, url, close: () => app.close() };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  ms: number;
}

/** One request through undici with no connection reuse surprises: the body is read whole. */
export async function fetchText(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  const started = performance.now();
  const res = await request(url, { method: (opts.method ?? 'GET') as 'GET', headers: opts.headers, body: opts.body });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, ms: performance.now() - started };
}
