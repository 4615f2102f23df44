import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** Where `name` is on PATH, or undefined. */
export async function which(name: string): Promise<string | undefined> {
  try {
    const { stdout } = await execFileP('sh', ['-c', `command -v "$1"`, 'which', name]);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Turns OpenMetrics text into TSDB blocks in `dataDir`, as Prometheus's own backfill does. */
export async function backfill(promtool: string, openMetrics: string, dataDir: string, workDir: string): Promise<void> {
  const file = join(workDir, `history-${Date.now()}.om`);
  await writeFile(file, openMetrics);
  await execFileP(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', file, dataDir], { maxBuffer: 64 * 1024 * 1024 });
}

export interface PrometheusOptions {
  readonly binary: string;
  readonly name: string;
  readonly port: number;
  readonly dataDir: string;
  readonly configFile: string;
  readonly logFile: string;
}

/** One real Prometheus the demo started: it can be killed, frozen, thawed and started again on its data. */
export class PrometheusProcess {
  readonly url: string;
  #child: ChildProcess | undefined;

  constructor(readonly opts: PrometheusOptions) {
    this.url = `http://127.0.0.1:${opts.port}`;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  async start(): Promise<void> {
    const log = openSync(this.opts.logFile, 'a');
    this.#child = spawn(
      this.opts.binary,
      [
        `--config.file=${this.opts.configFile}`,
        `--web.listen-address=127.0.0.1:${this.opts.port}`,
        `--storage.tsdb.path=${this.opts.dataDir}`,
        '--storage.tsdb.retention.time=30d',
        '--log.level=warn',
      ],
      { stdio: ['ignore', log, log] },
    );
    // The child has its own copy of the descriptor.
    closeSync(log);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.opts.name} exited at start; see ${this.opts.logFile}`);
      try {
        if ((await fetch(`${this.url}/-/ready`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${this.opts.name} was not ready within 60 s; see ${this.opts.logFile}`);
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.#child!.kill(signal);
  }

  /** SIGTERM (thawed first, a frozen process acts on nothing), SIGKILL after 5 s. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
