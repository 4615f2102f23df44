import { parseArgs as parseArgv } from 'node:util';

/** Command-line arguments, Prometheus style (`--config.file=PATH` or `--config.file PATH`). Pure: main.ts does the I/O. */
export type Command =
  | { kind: 'run'; configFile: string; listenAddress?: string; logLevel?: string; enableLifecycle: boolean; webConfigFile?: string }
  | { kind: 'check-config'; files: string[] }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'usage-error'; message: string };

const VALUE = { type: 'string' } as const;
const OPTIONS = {
  'config.file': VALUE, 'web.listen-address': VALUE, 'log.level': VALUE, 'web.config.file': VALUE,
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
  if (command !== undefined) return usageError(`unexpected argument "${command}"`);
  if (values['config.file'] === undefined) return usageError('missing --config.file');
  return { kind: 'run', configFile: values['config.file'], listenAddress: values['web.listen-address'], logLevel: values['log.level'],
    enableLifecycle: values['web.enable-lifecycle'] ?? false, webConfigFile: values['web.config.file'] };
}

const usageError = (message: string): Command => ({ kind: 'usage-error', message });

export const USAGE = `usage: promgate --config.file=PATH [--web.listen-address=HOST:PORT] [--log.level=debug|info|warn|error]
                [--web.enable-lifecycle]   (reload endpoint)
                [--web.config.file=PATH]   (TLS and basic auth, exporter-toolkit format)
       promgate check-config PATH...
       promgate --version

An HA query gateway for Prometheus replicas. See README.md for the configuration reference.
`;
