import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors/index.js';
import { resolveHttpConfigs } from './http-config.js';
import { configSchema, type Config } from './schema.js';

/**
 * Validates a parsed document once, at the edge, and freezes it. Throws ConfigError naming every bad
 * key. Reads every file http_config names (passwords, tokens, certificates), relative to `baseDir`,
 * so a reload, which is just loading again, re-reads them.
 */
export function validateConfig(doc: unknown, baseDir: string = process.cwd()): Config {
  const result = configSchema.safeParse(doc ?? {});
  if (!result.success) throw new ConfigError(result.error.issues.map(describeIssue));
  const parsed = result.data;
  const http = resolveHttpConfigs(parsed, { baseDir });
  const config = {
    ...parsed,
    replicas: parsed.replicas.map((r, i) => Object.freeze({ url: r.url, name: r.name ?? r.url.host, http: http[i]! })),
  };
  return deepFreeze(config);
}

/** Keys set on the command line, applied to the document before it is validated. */
export type ConfigOverrides = Readonly<Record<string, unknown>>;

/** `baseDir`: where relative paths in the text are read from (the config file's directory). */
export function parseConfigText(text: string, overrides: ConfigOverrides = {}, baseDir?: string): Config {
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true });
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}` : '';
    throw new ConfigError([`not valid YAML${where}: ${(err as Error).message.split('\n')[0]}`], { cause: err });
  }
  if (Object.keys(overrides).length > 0) {
    if (doc !== null && doc !== undefined && (typeof doc !== 'object' || Array.isArray(doc))) {
      throw new ConfigError(['(top level): must be a mapping']);
    }
    doc = { ...(doc as object | null), ...overrides };
  }
  return validateConfig(doc, baseDir);
}

export async function loadConfigFile(path: string, overrides: ConfigOverrides = {}): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read ${path}: ${(err as Error).message}`], { cause: err });
  }
  // Relative paths in the file are read from its directory, as Prometheus reads prometheus.yml's.
  return parseConfigText(text, overrides, dirname(resolve(path)));
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const where = key ? `${key}: ` : '';
    return `${where}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  return `${key || '(top level)'}: ${issue.message}`;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof URL) && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
