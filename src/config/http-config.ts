import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createSecureContext, type SecureVersion } from 'node:tls';
import { ConfigError } from '../errors/index.js';
import { caBundleProblem } from './pem.js';
import type { HttpConfigSettings } from './http-config-schema.js';
import { Secret } from './secret.js';

/** TLS options for a replica's connections (undici `connect`, i.e. node:tls connect options). */
export interface ReplicaTls {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: Secret;
  /** SNI, and the name the replica's certificate is checked against (Prometheus's server_name). */
  readonly servername?: string;
  readonly rejectUnauthorized?: boolean;
  readonly minVersion?: SecureVersion;
  readonly maxVersion?: SecureVersion;
}

/** What promgate sends every request, probe and status GET to one replica with. */
export interface ReplicaHttpConfig {
  /** Lowercase names: `authorization` (from basic_auth or authorization) and the configured `headers`. */
  readonly headers: Readonly<Record<string, Secret>>;
  readonly tls: ReplicaTls;
}

export interface ResolveHttpOptions {
  /** Relative file paths are read from here: the config file's directory, as Prometheus does. */
  readonly baseDir: string;
  /** Reads a file as UTF-8; tests may pass another. */
  readonly readFile?: (absolutePath: string) => string;
}

interface Source {
  readonly http_config?: HttpConfigSettings | undefined;
}

/** One http_config block with its files read. */
interface Section {
  /** Whether the block set basic_auth or authorization: a replica's own auth replaces the default's. */
  readonly hasAuth: boolean;
  readonly authorization?: Secret;
  readonly headers: Readonly<Record<string, Secret>>;
  readonly tls: ReplicaTls;
}

const EMPTY: Section = { hasAuth: false, headers: {}, tls: {} };

const TLS_VERSIONS: Readonly<Record<string, SecureVersion>> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };

/**
 * Each replica's http settings: the top-level `http_config` under the replica's own, with every
 * file read now (at load, and so again at every reload). A replica's basic_auth or authorization
 * replaces the default's auth; tls_config merges key by key (cert_file and key_file as a pair);
 * headers merge by name. Throws one ConfigError naming every problem; no message holds a secret.
 */
export function resolveHttpConfigs(config: Source & { readonly replicas: readonly Source[] }, opts: ResolveHttpOptions): ReplicaHttpConfig[] {
  const problems = new Set<string>();
  const read = opts.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const reader = (label: string, path: string): string | undefined => {
    const absolute = resolve(opts.baseDir, path);
    try {
      return read(absolute);
    } catch (err) {
      problems.add(`${label}: cannot read ${absolute}: ${(err as Error).message}`);
      return undefined;
    }
  };
  const base = config.http_config ? readSection(config.http_config, 'http_config', reader, problems) : EMPTY;
  const resolved = config.replicas.map((r, i) => {
    const where = `replicas.${i}.http_config`;
    const own = r.http_config ? readSection(r.http_config, where, reader, problems) : EMPTY;
    const merged = merge(base, own);
    if (merged.tls.ca !== undefined || merged.tls.cert !== undefined) {
      checkTlsMaterial(merged.tls, r.http_config?.tls_config ? `${where}.tls_config` : 'http_config.tls_config', problems);
    }
    return merged;
  });
  if (problems.size > 0) throw new ConfigError([...problems]);
  return resolved;
}

type Reader = (label: string, path: string) => string | undefined;

function readSection(c: HttpConfigSettings, where: string, read: Reader, problems: Set<string>): Section {
  const headers: Record<string, Secret> = {};
  for (const [name, value] of Object.entries(c.headers ?? {})) headers[name.toLowerCase()] = value;
  let authorization: string | undefined;
  if (c.basic_auth) {
    const b = c.basic_auth;
    const username = b.username_file === undefined ? (b.username ?? '') : read(`${where}.basic_auth.username_file`, b.username_file)?.trim();
    const password = b.password_file === undefined ? (b.password?.reveal() ?? '') : read(`${where}.basic_auth.password_file`, b.password_file)?.trim();
    if (username?.includes(':')) problems.add(`${where}.basic_auth: a username must not contain ":" (RFC 7617)`);
    if (username !== undefined && password !== undefined) authorization = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  } else if (c.authorization) {
    const a = c.authorization;
    // Prometheus trims what it reads from a file (a trailing newline), not the inline form.
    const credentials = a.credentials_file === undefined ? a.credentials?.reveal() : read(`${where}.authorization.credentials_file`, a.credentials_file)?.trim();
    if (credentials !== undefined && /[\r\n\0]/.test(credentials)) problems.add(`${where}.authorization: the credentials must not contain line breaks or NUL`);
    else if (credentials !== undefined) authorization = `${a.type} ${credentials}`;
  }
  const tls: { -readonly [K in keyof ReplicaTls]: ReplicaTls[K] } = {};
  const t = c.tls_config;
  if (t) {
    const label = `${where}.tls_config`;
    if (t.ca_file !== undefined) {
      tls.ca = read(`${label}.ca_file`, t.ca_file);
      const problem = tls.ca === undefined ? undefined : caBundleProblem(tls.ca);
      if (problem) problems.add(`${label}.ca_file: ${problem}`);
    }
    if (t.cert_file !== undefined) tls.cert = read(`${label}.cert_file`, t.cert_file);
    if (t.key_file !== undefined) {
      const key = read(`${label}.key_file`, t.key_file);
      if (key !== undefined) tls.key = new Secret(key);
    }
    if (t.server_name !== undefined) tls.servername = t.server_name;
    if (t.insecure_skip_verify !== undefined) tls.rejectUnauthorized = !t.insecure_skip_verify;
    if (t.min_version !== undefined) tls.minVersion = TLS_VERSIONS[t.min_version];
    if (t.max_version !== undefined) tls.maxVersion = TLS_VERSIONS[t.max_version];
  }
  return {
    hasAuth: c.basic_auth !== undefined || c.authorization !== undefined,
    ...(authorization === undefined ? {} : { authorization: new Secret(authorization) }),
    headers,
    tls,
  };
}

function merge(base: Section, own: Section): ReplicaHttpConfig {
  const headers: Record<string, Secret> = { ...base.headers, ...own.headers };
  const authorization = own.hasAuth ? own.authorization : base.authorization;
  if (authorization !== undefined) headers.authorization = authorization;
  // Key by key; cert_file and key_file are only ever set together (the schema checks), so a
  // replica's own client certificate replaces the default's whole.
  return Object.freeze({ headers: Object.freeze(headers), tls: Object.freeze({ ...base.tls, ...own.tls }) });
}

/** Refuses at load what would otherwise fail every connection: unreadable PEM, a key not matching its certificate. */
function checkTlsMaterial(tls: ReplicaTls, label: string, problems: Set<string>): void {
  try {
    createSecureContext({ ca: tls.ca, cert: tls.cert, key: tls.key?.reveal(), minVersion: tls.minVersion, maxVersion: tls.maxVersion });
  } catch (err) {
    problems.add(`${label}: cannot use the CA, certificate or key: ${(err as Error).message}`);
  }
}
