/**
 * Command-line arguments, Prometheus style (`--config.file=PATH` or `--config.file PATH`).
 * Pure: main.ts does the I/O.
 */
export type Command =
  | { kind: 'run'; configFile: string; listenAddress?: string; logLevel?: string }
  | { kind: 'check-config'; files: string[] }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'usage-error'; message: string };

const RUN_FLAGS = new Set(['config.file', 'web.listen-address', 'log.level']);

export function parseArgs(argv: readonly string[]): Command {
  if (argv[0] === 'check-config') {
    const files = argv.slice(1);
    if (files.length === 0) return { kind: 'usage-error', message: 'check-config needs at least one config file' };
    return { kind: 'check-config', files };
  }
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    if (arg === '--version') return { kind: 'version' };
    if (!arg.startsWith('--')) return { kind: 'usage-error', message: `unexpected argument "${arg}"` };
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (!RUN_FLAGS.has(name)) return { kind: 'usage-error', message: `unknown flag --${name}` };
    const value: string | undefined = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '') return { kind: 'usage-error', message: `flag --${name} needs a value` };
    flags.set(name, value);
  }
  const configFile = flags.get('config.file');
  if (!configFile) return { kind: 'usage-error', message: 'missing --config.file' };
  return {
    kind: 'run',
    configFile,
    ...(flags.has('web.listen-address') ? { listenAddress: flags.get('web.listen-address') } : {}),
    ...(flags.has('log.level') ? { logLevel: flags.get('log.level') } : {}),
  };
}

export const USAGE = `usage: promgate --config.file=PATH [--web.listen-address=HOST:PORT] [--log.level=debug|info|warn|error]
       promgate check-config PATH...
       promgate --version

An HA query gateway for Prometheus replicas. See README.md for the configuration reference.
`;
