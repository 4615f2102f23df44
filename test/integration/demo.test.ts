// `promgate demo` as a new user runs it: real Prometheus replicas with history and live data,
// queries through promgate keep answering while --chaos kills replicas, and Ctrl-C leaves nothing
// behind (no process, no temp dir).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { requirePrometheus } from '../helpers/require-prometheus.js';

const MAIN = join(import.meta.dirname, '../../dist/src/main.js');

describe('promgate demo', () => {
  it('serves history and live data through failovers, and cleans up on Ctrl-C', async () => {
    requirePrometheus();
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
    const child = spawn(process.execPath, [MAIN, 'demo', '--web.listen-address=127.0.0.1:0', '--chaos=kill', '--chaos.interval=3s'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const deadline = Date.now() + 60_000;
      while (!/status page\s+(\S+)/.test(out) && Date.now() < deadline && child.exitCode === null) await sleep(100);
      const base = /status page\s+(http:\/\/\S+?)\/\s/.exec(out)?.[1];
      expect(base, out).toBeDefined();
      const work = /working in (\S+)/.exec(out)![1]!;
      const replicaUrls = [...out.matchAll(/replica-[ab] (http:\/\/[\d.:]+)/g)].map((m) => m[1]!);
      expect(replicaUrls).toHaveLength(2);

      const nowS = Math.floor(Date.now() / 1000);
      const range = `${base}/api/v1/query_range?query=${encodeURIComponent('sum by (instance) (rate(demo_http_requests_total[5m]))')}&start=${nowS - 6 * 3600 + 600}&end=${nowS}&step=60`;
      const history = (await (await fetch(range)).json()) as { status: string; data: { result: { values: unknown[] }[] } };
      expect(history.status).toBe('success');
      expect(history.data.result).toHaveLength(3);
      expect(history.data.result[0]!.values.length).toBeGreaterThan(300);

      // Through three chaos rounds (a replica killed and restarted each), every query answers.
      const failures: string[] = [];
      let answered = 0;
      const until = Date.now() + 10_000;
      while (Date.now() < until) {
        const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent('sum(demo_cpu_usage_ratio)')}`);
        const doc = (await res.json()) as { status: string };
        if (res.status === 200 && doc.status === 'success') answered++;
        else failures.push(`${res.status} ${JSON.stringify(doc).slice(0, 200)}`);
        await sleep(50);
      }
      expect(failures).toEqual([]);
      expect(answered).toBeGreaterThan(20);
      expect(out).toMatch(/chaos .*: kill replica-a/);
      expect(out).toMatch(/replica-a restarted/);

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(existsSync(work)).toBe(false);
      for (const url of [base!, ...replicaUrls]) await expect(fetch(`${url}/-/ready`)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});
