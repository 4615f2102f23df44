import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createSecureContext, type SecureVersion, type TLSSocket } from 'node:tls';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors/index.js';
import { caBundleProblem } from './pem.js';

/**
 * `--web.config.file`: the exporter-toolkit format Prometheus itself reads
 * (https://prometheus.io/docs/prometheus/latest/configuration/https/), so one file can serve both.
 * Keys promgate cannot honour are refused by name rather than ignored: a security setting that is
 * silently dropped is worse than a server that does not start.
 */

export type ClientAuthType = 'NoClientCert' | 'RequestClientCert' | 'RequireAnyClientCert' | 'VerifyClientCertIfGiven' | 'RequireAndVerifyClientCert';

/** node:tls server options (pass as fastify's `https`), plus the policy they came from. */
export interface WebTlsOptions {
  readonly cert: string;
  readonly key: string;
  readonly ca?: string;
  readonly requestCert: boolean;
  readonly rejectUnauthorized: boolean;
  readonly minVersion: SecureVersion;
  readonly maxVersion: SecureVersion;
  readonly honorCipherOrder?: boolean;
  /** What Node's options cannot enforce alone is checked by clientCertRefusal after the handshake. */
  readonly clientAuthType: ClientAuthType;
}

export interface WebConfig {
  /** Absent: plain HTTP (exporter-toolkit serves HTTP when tls_server_config sets nothing). */
  readonly tls?: WebTlsOptions;
  /** Username → bcrypt hash. Absent (or empty in the file): no basic auth. */
  readonly basicAuthUsers?: ReadonlyMap<string, string>;
}

const filePath = z.string().min(1);
const tlsVersion = z.enum(['TLS10', 'TLS11', 'TLS12', 'TLS13']);
const refused = (why: string) => z.never({ error: why }).optional();

// Go's bcrypt accepts $2$, $2a$, $2b$, $2y$ (htpasswd writes $2y$); bcryptjs reads them all.
const BCRYPT_RE = /^\$2[abxy]?\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

const tlsServerConfig = z.strictObject({
  cert_file: filePath.optional(),
  key_file: filePath.optional(),
  // RequireClientCert: exporter-toolkit's older name for RequireAnyClientCert, still accepted there.
  client_auth_type: z.enum(['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'RequireClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert']).optional(),
  client_ca_file: filePath.optional(),
  min_version: tlsVersion.default('TLS12'),
  max_version: tlsVersion.default('TLS13'),
  prefer_server_cipher_suites: z.boolean().optional(),
  cert: refused('inline certificates are not supported by promgate: use cert_file'),
  key: refused('inline keys are not supported by promgate: use key_file'),
  client_ca: refused('inline CAs are not supported by promgate: use client_ca_file'),
  cipher_suites: refused('not supported by promgate (OpenSSL picks the cipher suites)'),
  curve_preferences: refused('not supported by promgate (OpenSSL picks the curves)'),
  client_allowed_sans: refused('not supported by promgate'),
});

const webConfigSchema = z.strictObject({
  tls_server_config: tlsServerConfig.nullish(),
  http_server_config: z
    .strictObject({
      // promgate serves HTTP/1.1 only, which is what http2: false asks for and what every HTTP/2 client falls back to.
      http2: z.boolean().optional(),
      headers: refused('not supported by promgate'),
    })
    .nullish(),
  basic_auth_users: z
    .record(z.string(), z.string())
    .nullish()
    .superRefine((users, ctx) => {
      for (const [name, hash] of Object.entries(users ?? {})) {
        // The hash is a secret too (exporter-toolkit types it so): never echoed in a message.
        if (!BCRYPT_RE.test(hash)) ctx.addIssue({ code: 'custom', path: [name], message: `not a bcrypt hash (make one with: htpasswd -nBC 10 "" | tr -d ':\\n')` });
        if (name.includes(':')) ctx.addIssue({ code: 'custom', path: [name], message: 'a username must not contain ":" (RFC 7617)' });
      }
    }),
  rate_limit: refused('not supported by promgate'),
});

type TlsServerSettings = z.output<typeof tlsServerConfig>;

const TLS_VERSIONS: Readonly<Record<z.output<typeof tlsVersion>, SecureVersion>> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };

/**
 * How Go's tls.ClientAuthType maps onto Node's two switches. Node verifies a client certificate
 * only when it also requires one (`rejectUnauthorized`), so two policies need clientCertRefusal:
 * RequireAnyClientCert (a certificate must be sent, but is not verified) and
 * VerifyClientCertIfGiven (none is fine, a bad one is not). Node can end the connection only
 * after the handshake there, so such a client sees the connection closed, not a TLS alert.
 */
const CLIENT_AUTH: Readonly<Record<ClientAuthType, { requestCert: boolean; rejectUnauthorized: boolean }>> = {
  NoClientCert: { requestCert: false, rejectUnauthorized: false },
  RequestClientCert: { requestCert: true, rejectUnauthorized: false },
  RequireAnyClientCert: { requestCert: true, rejectUnauthorized: false },
  VerifyClientCertIfGiven: { requestCert: true, rejectUnauthorized: false },
  RequireAndVerifyClientCert: { requestCert: true, rejectUnauthorized: true },
};

/** Reads and validates a web config file; relative paths in it are read from its directory. Throws ConfigError. */
export async function loadWebConfig(path: string): Promise<WebConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read web config ${path}: ${(err as Error).message}`], { cause: err });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true });
  } catch (err) {
    throw new ConfigError([`web config ${path}: not valid YAML: ${(err as Error).message.split('\n')[0]}`], { cause: err });
  }
  const result = webConfigSchema.safeParse(doc ?? {});
  if (!result.success) throw new ConfigError(result.error.issues.map((issue) => `web config ${path}: ${describeIssue(issue)}`));
  const { tls_server_config: tlsSettings, basic_auth_users: users } = result.data;
  const tls = tlsSettings ? await readTls(tlsSettings, dirname(path), path) : undefined;
  const basicAuthUsers = users && Object.keys(users).length > 0 ? new Map(Object.entries(users)) : undefined;
  return { ...(tls ? { tls } : {}), ...(basicAuthUsers ? { basicAuthUsers } : {}) };
}

/**
 * Why a client that completed the TLS handshake must be turned away, or undefined to keep it:
 * the part of client_auth_type Node's options cannot express (see CLIENT_AUTH). Call it on the
 * server's `secureConnection` and destroy the socket when it answers.
 */
export function clientCertRefusal(clientAuthType: ClientAuthType, socket: TLSSocket): string | undefined {
  const presented = Object.keys(socket.getPeerCertificate()).length > 0;
  if (clientAuthType === 'RequireAnyClientCert' && !presented) return 'no client certificate';
  if (clientAuthType === 'VerifyClientCertIfGiven' && presented && !socket.authorized) {
    return `client certificate not verified: ${String(socket.authorizationError)}`;
  }
  return undefined;
}

async function readTls(t: TlsServerSettings, dir: string, path: string): Promise<WebTlsOptions | undefined> {
  const where = `web config ${path}: tls_server_config`;
  // As exporter-toolkit's TLSConfig.IsEnabled: versions alone do not turn TLS on.
  const enabled = t.cert_file !== undefined || t.key_file !== undefined || t.client_ca_file !== undefined || t.client_auth_type !== undefined;
  if (!enabled) return undefined;
  const problems: string[] = [];
  if (t.cert_file === undefined) problems.push(`${where}: missing cert_file`);
  if (t.key_file === undefined) problems.push(`${where}: missing key_file`);
  const clientAuthType: ClientAuthType = t.client_auth_type === 'RequireClientCert' ? 'RequireAnyClientCert' : (t.client_auth_type ?? 'NoClientCert');
  if (t.client_ca_file !== undefined && clientAuthType === 'NoClientCert') {
    problems.push(`${where}: client_ca_file is set without a client_auth_type that asks for a certificate (exporter-toolkit: "client CA's have been configured without a Client Auth Policy")`);
  }
  if (TLS_ORDER.indexOf(t.min_version) > TLS_ORDER.indexOf(t.max_version)) problems.push(`${where}.max_version: must not be below min_version`);
  const read = async (key: string, file: string | undefined): Promise<string | undefined> => {
    if (file === undefined) return undefined;
    const absolute = resolve(dir, file);
    try {
      return await readFile(absolute, 'utf8');
    } catch (err) {
      problems.push(`${where}.${key}: cannot read ${absolute}: ${(err as Error).message}`);
      return undefined;
    }
  };
  const [cert, key, ca] = await Promise.all([read('cert_file', t.cert_file), read('key_file', t.key_file), read('client_ca_file', t.client_ca_file)]);
  const caProblem = ca === undefined ? undefined : caBundleProblem(ca);
  if (caProblem) problems.push(`${where}.client_ca_file: ${caProblem}`);
  if (problems.length > 0) throw new ConfigError(problems);
  const options: WebTlsOptions = {
    cert: cert!,
    key: key!,
    ...(ca === undefined ? {} : { ca }),
    ...CLIENT_AUTH[clientAuthType],
    minVersion: TLS_VERSIONS[t.min_version],
    maxVersion: TLS_VERSIONS[t.max_version],
    ...(t.prefer_server_cipher_suites === undefined ? {} : { honorCipherOrder: t.prefer_server_cipher_suites }),
    clientAuthType,
  };
  try {
    // As exporter-toolkit's X509KeyPair check: a bad PEM or a key not matching its certificate fails now, not per handshake.
    createSecureContext({ cert: options.cert, key: options.key, ca: options.ca, minVersion: options.minVersion, maxVersion: options.maxVersion });
  } catch (err) {
    throw new ConfigError([`${where}: cannot use the certificate, key or client CA: ${(err as Error).message}`], { cause: err });
  }
  return options;
}

const TLS_ORDER = ['TLS10', 'TLS11', 'TLS12', 'TLS13'];

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return `${key ? `${key}: ` : ''}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  return `${key || '(top level)'}: ${issue.message}`;
}
