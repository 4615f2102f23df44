// Integration tests need the real binaries. A missing binary fails the test, never skips it:
// a skipped integration suite looks green while proving nothing.

import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface PrometheusBinaries {
  readonly prometheus: string;
  readonly promtool: string;
}

function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this dir
    }
  }
  return undefined;
}

/** Absolute paths of `prometheus` and `promtool` from PATH; throws if either is missing. */
export function requirePrometheus(): PrometheusBinaries {
  const prometheus = which('prometheus');
  const promtool = which('promtool');
  if (prometheus !== undefined && promtool !== undefined) return { prometheus, promtool };
  const missing = [prometheus === undefined ? 'prometheus' : '', promtool === undefined ? 'promtool' : ''].filter(Boolean).join(' and ');
  const how = 'Install them (Debian/Ubuntu: `apt-get install -y prometheus`, which ships both) or put them on PATH.';
  if (process.env.CI === 'true') {
    throw new Error(`CI: ${missing} not found on PATH; integration tests cannot run. ${how}`);
  }
  throw new Error(`${missing} not found on PATH; integration tests need real Prometheus. ${how}`);
}
