import { createHash } from 'node:crypto';

/**
 * A digest of the headers that identify a client (Authorization, a tenant header), part of every
 * cache key so no client is ever served another's answer. Undefined when none is present.
 */
export function clientIdentity(headers: Readonly<Record<string, string | string[] | undefined>>, names: readonly string[]): string | undefined {
  const present: Array<[string, string]> = [];
  for (const name of names) {
    const value = headers[name];
    if (value !== undefined) present.push([name, Array.isArray(value) ? value.join('\n') : value]);
  }
  if (present.length === 0) return undefined;
  return createHash('sha256').update(JSON.stringify(present)).digest('hex');
}

/** `Cache-Control: no-cache` (or `no-store`, or `Pragma: no-cache`) asks for a fresh evaluation. */
export function wantsNoCache(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  const cc = [headers['cache-control'], headers.pragma].flat().filter((v): v is string => typeof v === 'string').join(',').toLowerCase();
  return /(^|[\s,])(no-cache|no-store)([\s,=]|$)/.test(cc);
}
