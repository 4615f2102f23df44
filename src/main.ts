#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { buildApp } from './app.js';
import { parseArgs, USAGE } from './cli/parse-args.js';
import { type Config, loadConfigFile } from './config/index.js';
import { ConfigError } from './errors/index.js';

/** The only file that touches process: argv, env, signals and exit codes. */
async function main(argv: readonly string[]): Promise<number> {
  const command = parseArgs(argv);
  switch (command.kind) {
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case 'version':
      process.stdout.write(`promgate ${version()}\n`);
      return 0;
    case 'usage-error':
      process.stderr.write(`promgate: ${command.message}\n\n${USAGE}`);
      return 2;
    case 'check-config':
      return checkConfig(command.files);
    case 'run':
      return run(command);
  }
}

async function checkConfig(files: readonly string[]): Promise<number> {
  let failed = false;
  for (const file of files) {
    try {
      const config = await loadConfigFile(file);
      process.stdout.write(`Checking ${file}\n  SUCCESS: ${config.replicas.length} replica(s) found\n`);
    } catch (err) {
      failed = true;
      process.stdout.write(`Checking ${file}\n  FAILED: ${(err as Error).message}\n`);
    }
  }
  return failed ? 1 : 0;
}

async function run(command: Extract<ReturnType<typeof parseArgs>, { kind: 'run' }>): Promise<number> {
  // Refused rather than ignored: a user asking for TLS and auth must not get plain, open HTTP.
  if (command.webConfigFile !== undefined) {
    process.stderr.write('promgate: --web.config.file is not supported yet (TLS and basic auth are not built)\n');
    return 2;
  }
  let config: Config;
  try {
    config = await loadConfigFile(command.configFile, {
      ...(command.listenAddress ? { listen_address: command.listenAddress } : {}),
      ...(command.logLevel ? { log_level: command.logLevel } : {}),
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`promgate: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const app = buildApp(config, { processMetrics: true });
  await app.start();
  let address: string;
  try {
    address = await app.listen();
  } catch (err) {
    process.stderr.write(`promgate: cannot listen on ${config.listen_address}: ${(err as Error).message}\n`);
    await app.close();
    return 1;
  }
  app.server.log.info({ address, replicas: config.replicas.map((r) => r.url.origin) }, 'promgate listening');

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        app.server.log.warn({ signal }, 'second signal: exiting without draining');
        return resolve(1);
      }
      stopping = true;
      app.server.log.info({ signal }, 'draining in-flight requests');
      const force = setTimeout(() => {
        app.server.log.warn('drain timeout reached: exiting with requests in flight');
        resolve(1);
      }, config.shutdown.drain_timeout);
      force.unref();
      app.close().then(
        () => resolve(0),
        (err: unknown) => {
          app.server.log.error({ err }, 'error while closing');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('promgate: fatal:', err);
    process.exit(1);
  },
);
