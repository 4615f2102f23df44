/**
 * A child process the bench owns (HAProxy, promgate): spawned with its output in a log file,
 * stopped with SIGTERM then SIGKILL, and SIGKILLed on our exit if anything is left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpGet } from '../../test/helpers/http-get.js';

const live = new Set<ChildProcess>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

export class ChildHandle {
  readonly name: string;
  readonly logFile: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;

  constructor(name: string, child: ChildProcess, logFile: string) {
    this.name = name;
    this.logFile = logFile;
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.#exited.then(() => live.delete(child));
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** `signal` (SIGTERM), then SIGKILL after `graceMs`. Resolves once the process is gone. */
  async stop(graceMs = 5_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return this.#exited;
    this.#child.kill(signal);
    const timedOut = await Promise.race([this.#exited.then(() => false), sleep(graceMs, true, { ref: false })]);
    if (timedOut) {
      this.#child.kill('SIGKILL');
      await this.#exited;
    }
  }

  logTail(lines = 15): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

export async function spawnChild(name: string, command: string, args: readonly string[], logFile: string): Promise<ChildHandle> {
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, { stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) => reject(new Error(`${name}: cannot start ${command}: ${err.message}`, { cause: err })));
  });
  live.add(child);
  hookExit();
  return new ChildHandle(name, child, logFile);
}

/** Polls `url` until it answers 200; throws with the child's log if it exits or time runs out. */
export async function waitForOk(url: string, timeoutMs: number, child?: ChildHandle): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    if (child !== undefined && !child.running) throw new Error(`${child.name} exited before ready; log:\n${child.logTail()}`);
    try {
      const res = await httpGet(url, Math.max(100, Math.min(1_000, deadline - Date.now())));
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() >= deadline) {
      throw new Error(`${url} not ready after ${timeoutMs} ms (${last})${child !== undefined ? `; log:\n${child.logTail()}` : ''}`);
    }
    await sleep(100);
  }
}

/** Spawns a child and waits until `readyUrl` answers 200; stops it again if it never does. */
export async function spawnReady(name: string, command: string, args: readonly string[], logFile: string, readyUrl: string, timeoutMs = 15_000): Promise<ChildHandle> {
  const child = await spawnChild(name, command, args, logFile);
  try {
    await waitForOk(readyUrl, timeoutMs, child);
  } catch (err) {
    await child.stop();
    throw err;
  }
  return child;
}
