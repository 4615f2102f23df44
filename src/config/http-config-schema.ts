import { z } from 'zod';
import { Secret } from './secret.js';

/** An inline credential: wrapped at once, so the parsed config never holds it as a bare string. */
const secret = z.string().transform((text) => new Secret(text));
const filePath = z.string().min(1);
const tlsVersion = z.enum(['TLS10', 'TLS11', 'TLS12', 'TLS13']);
const refused = (why: string) => z.never({ error: why }).optional();

// Prometheus's http_config keys (https://prometheus.io/docs/prometheus/latest/configuration/configuration/#http_config),
// with its own checks and messages. Files are read by resolveHttpConfigs, relative to the config file.
const basicAuth = z
  .strictObject({
    username: z.string().optional(),
    username_file: filePath.optional(),
    password: secret.optional(),
    password_file: filePath.optional(),
  })
  .superRefine((b, ctx) => {
    if (b.username !== undefined && b.username_file !== undefined) ctx.addIssue({ code: 'custom', message: 'at most one of username & username_file must be configured' });
    if (b.password !== undefined && b.password_file !== undefined) ctx.addIssue({ code: 'custom', message: 'at most one of password & password_file must be configured' });
  });

const authorization = z
  .strictObject({
    type: z.string().trim().min(1).default('Bearer'),
    credentials: secret.optional(),
    credentials_file: filePath.optional(),
  })
  .superRefine((a, ctx) => {
    if (a.type.toLowerCase() === 'basic') ctx.addIssue({ code: 'custom', path: ['type'], message: 'authorization type cannot be set to "basic", use "basic_auth" instead' });
    if (/\s/.test(a.type)) ctx.addIssue({ code: 'custom', path: ['type'], message: 'must be one word (e.g. Bearer)' });
    const given = Number(a.credentials !== undefined) + Number(a.credentials_file !== undefined);
    // Prometheus silently sends nothing without credentials; a block without them is a mistake.
    if (given !== 1) ctx.addIssue({ code: 'custom', message: 'exactly one of credentials & credentials_file must be configured' });
  });

const tlsClient = z
  .strictObject({
    ca_file: filePath.optional(),
    cert_file: filePath.optional(),
    key_file: filePath.optional(),
    server_name: z.string().min(1).optional(),
    insecure_skip_verify: z.boolean().optional(),
    min_version: tlsVersion.optional(),
    max_version: tlsVersion.optional(),
  })
  .superRefine((t, ctx) => {
    if (t.cert_file !== undefined && t.key_file === undefined) ctx.addIssue({ code: 'custom', message: 'key_file must be configured when a client certificate is configured' });
    if (t.key_file !== undefined && t.cert_file === undefined) ctx.addIssue({ code: 'custom', message: 'cert_file must be configured when a client key is configured' });
    if (t.min_version !== undefined && t.max_version !== undefined && t.min_version > t.max_version) ctx.addIssue({ code: 'custom', path: ['max_version'], message: 'must not be below min_version' });
  });

// RFC 9110 token.
const HEADER_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Prometheus's config.ReservedHeaders (lowercased), plus the remaining RFC 9110 hop-by-hop headers.
const RESERVED_HEADERS = new Set([
  'authorization', 'host', 'content-encoding', 'content-length', 'content-type', 'user-agent', 'connection',
  'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'www-authenticate', 'accept-encoding',
  'x-prometheus-remote-write-version', 'x-prometheus-remote-read-version', 'x-prometheus-scrape-timeout-seconds',
  'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect',
]);

// Values are wrapped as secrets: a header may well carry an API key.
const headers = z.record(z.string(), z.string()).superRefine((map, ctx) => {
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(map)) {
    const lower = name.toLowerCase();
    if (!HEADER_NAME_RE.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: `"${name}" is not a valid header name` });
    else if (lower === 'authorization') ctx.addIssue({ code: 'custom', path: [name], message: 'setting header "Authorization" is not allowed: use basic_auth or authorization' });
    else if (RESERVED_HEADERS.has(lower)) ctx.addIssue({ code: 'custom', path: [name], message: `setting header "${name}" is not allowed (hop-by-hop, or set by promgate or the client)` });
    else if (seen.has(lower)) ctx.addIssue({ code: 'custom', path: [name], message: `header "${name}" is set twice (names are case-insensitive)` });
    if (/[\r\n\0]/.test(value)) ctx.addIssue({ code: 'custom', path: [name], message: 'a header value must not contain line breaks or NUL' });
    seen.add(lower);
  }
}).transform((map) => Object.fromEntries(Object.entries(map).map(([name, value]) => [name, new Secret(value)])));

export const httpConfigSchema = z
  .strictObject({
    basic_auth: basicAuth.optional(),
    authorization: authorization.optional(),
    tls_config: tlsClient.optional(),
    headers: headers.optional(),
    bearer_token: refused('not supported: use authorization: {credentials: ...}'),
    bearer_token_file: refused('not supported: use authorization: {credentials_file: ...}'),
    http_headers: refused('not supported: use headers: {Name: value}'),
    oauth2: refused('not supported by promgate'),
    proxy_url: refused('not supported by promgate'),
  })
  .superRefine((c, ctx) => {
    if (c.basic_auth && c.authorization) ctx.addIssue({ code: 'custom', message: 'at most one of basic_auth & authorization must be configured' });
  });

/** One validated http_config block, before its files are read (resolveHttpConfigs reads them). */
export type HttpConfigSettings = z.output<typeof httpConfigSchema>;
