#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { buildApp } from './app.js';
import { parseArgs, USAGE } from './cli/parse-args.js';
import { type Config, loadConfigFile, loadWebConfig, type WebConfig } from './config/index.js';
import { runDemo } from './demo/run-demo.js';
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
    case 'demo': {
      // Every Ctrl-C after the first is absorbed: cleanup (bounded) runs to the end.
      const stopped = new Promise((resolve) => {
        process.on('SIGINT', resolve);
        process.on('SIGTERM', resolve);
      });
      return runDemo({ ...command, out: (line) => void process.stdout.write(`${line}\n`), version: version(), stopped });
    }
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
  const load = () =>
    loadConfigFile(command.configFile, {
      ...(command.listenAddress ? { listen_address: command.listenAddress } : {}),
      ...(command.logLevel ? { log_level: command.logLevel } : {}),
    });
  let config: Config;
  let web: WebConfig = {};
  try {
    config = await load();
    if (command.webConfigFile !== undefined) web = await loadWebConfig(command.webConfigFile);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`promgate: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const webFile = command.webConfigFile;
  const app = buildApp(config, {
    processMetrics: true,
    loadConfig: load,
    enableLifecycle: command.enableLifecycle,
    web,
    loadWeb: webFile !== undefined ? () => loadWebConfig(webFile) : undefined,
    version: version(),
  });
  await app.start();
  let address: string;
  try {
    address = await app.listen();
  } catch (err) {
    process.stderr.write(`promgate: cannot listen on ${config.listen_address}: ${(err as Error).message}\n`);
    await app.close();
    return 1;
  }
  app.server.log.info(
    { address, replicas: config.replicas.map((r) => r.url.origin), tls: web.tls !== undefined, basicAuth: web.basicAuthUsers !== undefined },
    'promgate listening',
  );
  // Prometheus's convention; a failed reload is logged and counted by the app, which keeps running.
  process.on('SIGHUP', () => void app.reload().catch(() => undefined));

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        app.server.log.warn({ signal }, 'second signal: exiting without draining');
        return resolve(1);
      }
      stopping = true;
      const { grace_period: grace, drain_timeout: drain } = app.config.shutdown;
      // SIGTERM is a rolling restart: not ready at once, still serving while the load balancer
      // (or Kubernetes) takes promgate out of rotation; Ctrl-C skips the wait.
      app.beginShutdown();
      const wait = signal === 'SIGTERM' ? grace : 0;
      app.server.log.info({ signal, graceMs: wait, drainTimeoutMs: drain }, 'shutting down: not ready; serving until the grace period ends, then draining');
      setTimeout(() => {
        const force = setTimeout(() => {
          app.server.log.warn('drain timeout reached: exiting with requests in flight');
          resolve(1);
        }, drain);
        force.unref();
        app.close().then(
          () => resolve(0),
          (err: unknown) => {
            app.server.log.error({ err }, 'error while closing');
            resolve(1);
          },
        );
      }, wait);
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
