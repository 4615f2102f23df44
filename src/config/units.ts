import { z } from 'zod';
import { parsePrometheusDuration } from '../query/duration.js';

/** A Prometheus duration string (`15s`, `1m30s`) read into milliseconds. */
export const duration = z.string().transform((text, ctx) => {
  const ms = parsePrometheusDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a Prometheus duration (e.g. 500ms, 15s, 1m30s)` });
    return z.NEVER;
  }
  return ms;
});

const SIZE_RE = /^(\d+)\s*(B|KB|KiB|MB|MiB|GB|GiB)?$/;
const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1e3, KiB: 1024, MB: 1e6, MiB: 1024 ** 2, GB: 1e9, GiB: 1024 ** 3 };

/** A byte size: an integer, or a string such as `64MiB` or `512KB`. */
export const byteSize = z.union([z.number().int().nonnegative(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const m = SIZE_RE.exec(value.trim());
  if (!m) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a size (e.g. 1048576, 512KiB, 64MiB)` });
    return z.NEVER;
  }
  return Number(m[1]) * SIZE_UNITS[m[2] ?? 'B']!;
});
