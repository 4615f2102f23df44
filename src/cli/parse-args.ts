import { parseArgs as parseArgv } from 'node:util';

/** Command-line arguments, Prometheus style (`--config.file=PATH` or `--config.file PATH`). Pure: main.ts does the I/O. */
export type Command =
  | { kind: 'run'; configFile: string; listenAddress?: string; logLevel?: string; enableLifecycle: boolean; webConfigFile?: string }
  | { kind: 'check-config'; files: string[] }
  | { kind: 'demo'; listenAddress: string; chaos?: 'kill' | 'freeze' | 'slow'; chaosIntervalMs: number }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'usage-error'; message: string };

const VALUE = { type: 'string' } as const;
const OPTIONS = {
  'config.file': VALUE, 'web.listen-address': VALUE, 'log.level': VALUE, 'web.config.file': VALUE,
  chaos: VALUE, 'chaos.interval': VALUE,
  'web.enable-lifecycle': { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' },
} as const;

export function parseArgs(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgv({ args: [...argv], options: OPTIONS, allowPositionals: true });
  } catch (err) {
    // Unknown flags, missing values, values given to boolean flags: Node throws these with codes.
    if (!String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_')) throw err;
    return usageError((err as Error).message);
  }
  const { values, positionals: [command, ...files] } = parsed;
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  for (const [name, given] of Object.entries(values)) if (given === '') return usageError(`flag --${name} needs a value`);
  if (command === 'check-config' && files.length > 0 && Object.keys(values).length === 0) return { kind: 'check-config', files };
  if (command === 'check-config') return usageError('check-config takes one or more config files and no flags');
  if (command === 'demo') return demoCommand(values, files);
  if (command !== undefined) return usageError(`unexpected argument "${command}"`);
  if (values['config.file'] === undefined) return usageError('missing --config.file');
  return { kind: 'run', configFile: values['config.file'], listenAddress: values['web.listen-address'], logLevel: values['log.level'],
    enableLifecycle: values['web.enable-lifecycle'] ?? false, webConfigFile: values['web.config.file'] };
}

const usageError = (message: string): Command => ({ kind: 'usage-error', message });

const CHAOS = ['kill', 'freeze', 'slow'] as const;

function demoCommand(values: { chaos?: string; 'chaos.interval'?: string; 'web.listen-address'?: string; 'config.file'?: string }, rest: string[]): Command {
  if (rest.length > 0) return usageError(`unexpected argument "${rest[0]}"`);
  if (values['config.file'] !== undefined) return usageError('demo makes its own configuration: no --config.file');
  const chaos = values.chaos;
  if (chaos !== undefined && !(CHAOS as readonly string[]).includes(chaos)) return usageError(`--chaos must be one of ${CHAOS.join(', ')}`);
  const seconds = values['chaos.interval'] === undefined ? 40 : Number(values['chaos.interval'].replace(/s$/, ''));
  if (!(seconds >= 1)) return usageError('--chaos.interval must be at least 1s');
  return {
    kind: 'demo',
    listenAddress: values['web.listen-address'] ?? '127.0.0.1:9099',
    ...(chaos !== undefined ? { chaos: chaos as (typeof CHAOS)[number] } : {}),
    chaosIntervalMs: seconds * 1000,
  };
}

export const USAGE = `usage: promgate --config.file=PATH [--web.listen-address=HOST:PORT] [--log.level=debug|info|warn|error]
                [--web.enable-lifecycle]   (reload endpoint)
                [--web.config.file=PATH]   (TLS and basic auth, exporter-toolkit format)
       promgate demo [--chaos=kill|freeze|slow] [--chaos.interval=40s] [--web.listen-address=HOST:PORT]
                (two real Prometheus replicas with demo data, and promgate in front of them)
       promgate check-config PATH...
       promgate --version

An HA query gateway for Prometheus replicas. See README.md for the configuration reference.
`;
