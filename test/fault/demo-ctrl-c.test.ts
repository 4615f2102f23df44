// Review of f9ce423: Ctrl-C in a terminal sends SIGINT to the whole foreground process group, so
// promtool (backfill) and the starting Prometheus servers get it too and exit. The step under way
// then fails with its own error, which runDemo reports as "promgate demo failed: ..." and exit 1:
// the catch only recognises DemoStopped, not `stopping`.
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/run-demo.js';

const savedPath = process.env.PATH;
afterEach(() => {
  process.env.PATH = savedPath;
});

describe('demo: Ctrl-C during the backfill', () => {
  it('stops quietly with 0, not "demo failed"', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'review2-demo-'));
    const pidFile = join(bin, 'promtool.pid');
    // A promtool that takes its time, as a 6 h backfill does.
    writeFileSync(join(bin, 'promtool'), `#!/bin/sh\necho $$ > "${pidFile}"\nexec sleep 30\n`);
    writeFileSync(join(bin, 'prometheus'), '#!/bin/sh\nexec sleep 30\n');
    chmodSync(join(bin, 'promtool'), 0o755);
    chmodSync(join(bin, 'prometheus'), 0o755);
    process.env.PATH = `${bin}:${savedPath}`;

    let ctrlC!: () => void;
    const stopped = new Promise<void>((r) => (ctrlC = r));
    const out: string[] = [];
    const done = runDemo({ listenAddress: '127.0.0.1:0', chaos: undefined, chaosIntervalMs: 30_000, out: (l: string) => out.push(l), stopped } as never);
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') await sleep(20);
    // What the terminal does: SIGINT to promgate (stopped resolves) and to promtool alike.
    ctrlC();
    process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGINT');
    const code = await done;
    expect(out.filter((l) => l.includes('failed'))).toEqual([]);
    expect(code).toBe(0);
  }, 20_000);
});
