/**
 * Range points the replicas evaluated during a run, from their own query logs
 * (`global.query_log_file`), so the number does not depend on trusting either front end.
 *
 * start() notes each log's size and the time; finish() reads what was appended since and sums
 * the range entries' grid points (see range-points.ts). The log lives in the replica's work dir
 * and Prometheus opens it for appending, so it survives a kill -9 and restart; a log that shrank
 * (replaced or truncated) is read from its beginning, keeping only entries written since start().
 */
import { open, stat } from 'node:fs/promises';
import { evaluatedRangePoints, type LogPoints } from './range-points.js';

/** Entries are stamped by the replica's clock in ms; allow for the odd rounding. */
const CLOCK_SLACK_MS = 1_000;

export class QueryLogMeter {
  readonly #files: readonly string[];
  #marks: number[] = [];
  #sinceMs = 0;

  /** `undefined` entries (a replica without a query log) make the measurement unavailable. */
  static of(files: ReadonlyArray<string | undefined>): QueryLogMeter | undefined {
    if (files.length === 0 || files.some((f) => f === undefined)) return undefined;
    return new QueryLogMeter(files as readonly string[]);
  }

  constructor(files: readonly string[]) {
    this.#files = files;
  }

  async start(): Promise<void> {
    this.#sinceMs = Date.now() - CLOCK_SLACK_MS;
    this.#marks = await Promise.all(this.#files.map(sizeOf));
  }

  /** Range points evaluated since start(), over all replicas; `null` if a log could not be read. */
  async finish(): Promise<LogPoints | null> {
    try {
      const parts = await Promise.all(this.#files.map((f, i) => readSince(f, this.#marks[i] ?? 0)));
      const total: LogPoints = { points: 0, entries: 0, unmeasurable: 0 };
      for (const text of parts) {
        const p = evaluatedRangePoints(text, this.#sinceMs);
        total.points += p.points;
        total.entries += p.entries;
        total.unmeasurable += p.unmeasurable;
      }
      return total;
    } catch {
      return null;
    }
  }
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0; // written on the first query
    throw err;
  }
}

/** The bytes appended after `mark`; the whole file if it is now shorter than `mark`. */
async function readSince(file: string, mark: number): Promise<string> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
  try {
    const size = (await fh.stat()).size;
    const from = size < mark ? 0 : mark;
    const buf = Buffer.alloc(size - from);
    let off = 0;
    while (off < buf.length) {
      const { bytesRead } = await fh.read(buf, off, buf.length - off, from + off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return buf.subarray(0, off).toString('utf8');
  } finally {
    await fh.close();
  }
}
