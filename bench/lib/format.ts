/**
 * Human-readable numbers for the report. Locale-independent (no toLocaleString) so reports made
 * on different machines diff cleanly. Unknown values print as an en dash.
 */
export const UNKNOWN = '–';

const known = (v: number | null | undefined): v is number => v !== null && v !== undefined && Number.isFinite(v);

/** 0.42 ms, 12.3 ms, 456 ms, 1.23 s. */
export function formatMs(ms: number | null | undefined): string {
  if (!known(ms)) return UNKNOWN;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** 1 234 567 with thin-space-free plain grouping: "1,234,567". */
export function formatCount(n: number | null | undefined): string {
  if (!known(n)) return UNKNOWN;
  const [int, frac] = Math.abs(n).toFixed(Number.isInteger(n) ? 0 : 1).split('.');
  const grouped = (int ?? '0').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${n < 0 ? '-' : ''}${grouped}${frac !== undefined ? `.${frac}` : ''}`;
}

/** Requests per second: whole numbers from 100 up, one decimal below. */
export function formatRps(rps: number | null | undefined): string {
  if (!known(rps)) return UNKNOWN;
  return rps >= 100 ? formatCount(Math.round(rps)) : rps.toFixed(1);
}

/** 23.4x, 0.95x. */
export function formatRatio(r: number | null | undefined): string {
  if (!known(r)) return UNKNOWN;
  return `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}x`;
}

/** 512 KiB, 87.3 MiB, 1.20 GiB. */
export function formatBytes(bytes: number | null | undefined): string {
  if (!known(bytes)) return UNKNOWN;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${i === 0 ? v.toFixed(0) : v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** A measured number with its unit; ratios (unit "x") read like formatRatio, fractions with 3 significant digits (a share of 0.0002 is not 0). */
export function formatMeasured(v: number | null, unit?: string): string {
  if (!known(v)) return 'not measured';
  if (unit === 'x') return formatRatio(v);
  const text = Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
  return `${text}${unit ?? ''}`;
}

/** A share as a percentage: 0%, 100.2%, 12.3%, 4.56%, 0.123%. */
export function formatShare(share: number | null | undefined): string {
  if (!known(share)) return UNKNOWN;
  const pct = share * 100;
  const a = Math.abs(pct);
  return `${a === 0 ? '0' : a >= 10 ? pct.toFixed(1) : a >= 1 ? pct.toFixed(2) : pct.toFixed(3)}%`;
}

/** One argument as a POSIX shell word: as is when safe, else single-quoted. */
export function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The `npm run bench` command line for these bench arguments. */
export function benchCommand(argv: readonly string[]): string {
  return argv.length === 0 ? 'npm run bench' : `npm run bench -- ${argv.map(shellWord).join(' ')}`;
}
