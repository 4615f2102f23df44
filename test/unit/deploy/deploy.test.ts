// Issue #10: deploy/ is an example people copy, and no Docker engine runs it here. These tests keep
// its files consistent with each other, with the repository's Dockerfile and with promgate's own
// config loader, so that `docker compose -f deploy/docker-compose.yml up` starts what the files say:
// every mounted file exists, promgate reaches the replicas where they listen, Prometheus accepts its
// configs (promtool), Grafana finds promgate and the dashboard.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfigFile } from '../../../src/config/index.js';
import { requirePrometheus } from '../../helpers/require-prometheus.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const DEPLOY = join(REPO, 'deploy');

type Mount = string | { readonly type?: string; readonly source?: string; readonly target: string };
type Port = string | number | { readonly target: number; readonly published?: string | number };

interface Service {
  readonly image?: string;
  readonly build?: string | { readonly context?: string; readonly dockerfile?: string };
  readonly command?: string | readonly string[];
  readonly environment?: Readonly<Record<string, string>> | readonly string[];
  readonly volumes?: readonly Mount[];
  readonly ports?: readonly Port[];
}

interface Compose {
  readonly services: Readonly<Record<string, Service>>;
  readonly volumes?: Readonly<Record<string, unknown>>;
}

interface PrometheusConfig {
  readonly global?: { readonly external_labels?: Readonly<Record<string, string>> };
  readonly scrape_configs?: readonly { readonly job_name: string; readonly static_configs?: readonly { readonly targets: readonly string[] }[] }[];
}

const readYaml = <T>(path: string): T => parseYaml(readFileSync(path, 'utf8')) as T;

const compose = readYaml<Compose>(join(DEPLOY, 'docker-compose.yml'));

function service(name: string): Service {
  const s = compose.services[name];
  if (s === undefined) throw new Error(`docker-compose.yml has no service "${name}"`);
  return s;
}

const servicesOfImage = (image: string): string[] =>
  Object.entries(compose.services)
    .filter(([, s]) => s.image?.split(':')[0] === image)
    .map(([name]) => name);

// --- compose syntax (short and long forms, https://docs.docker.com/reference/compose-file/services/) ---

interface ResolvedMount {
  readonly target: string;
  /** Host path of a bind mount; undefined for a named volume. */
  readonly host: string | undefined;
  readonly source: string;
}

function mountsOf(s: Service): ResolvedMount[] {
  return (s.volumes ?? []).map((m) => {
    const { source, target } = typeof m === 'string' ? { source: m.split(':')[0]!, target: m.split(':')[1]! } : { source: m.source ?? '', target: m.target };
    const bind = /^[./~]/.test(source);
    return { source, target, host: bind ? resolve(DEPLOY, source) : undefined };
  });
}

function portsOf(s: Service): { published: number; target: number }[] {
  return (s.ports ?? []).map((p) => {
    if (typeof p === 'object') return { published: Number(p.published ?? p.target), target: p.target };
    const parts = String(p).replace(/\/(tcp|udp)$/, '').split(':');
    const target = Number(parts.at(-1));
    return { published: parts.length > 1 ? Number(parts.at(-2)) : target, target };
  });
}

const argsOf = (command: string | readonly string[] | undefined): readonly string[] => (typeof command === 'string' ? command.split(/\s+/) : (command ?? []));

/** The value of `--name=value` in a command line. */
function flag(args: readonly string[], name: string): string | undefined {
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));

/** Host paths of every file a container sees at or under `containerPath`, bind mounts only. */
function filesSeenAt(s: Service, containerPath: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (host: string, inContainer: string) => {
    if (!existsSync(host)) return;
    if (statSync(host).isDirectory()) for (const e of readdirSync(host)) walk(join(host, e), posix.join(inContainer, e));
    else files.set(inContainer, host);
  };
  for (const m of mountsOf(s)) {
    if (m.host === undefined) continue;
    if (containerPath === m.target || containerPath.startsWith(`${m.target}/`)) walk(join(m.host, posix.relative(m.target, containerPath)), containerPath);
    else if (m.target.startsWith(`${containerPath}/`)) walk(m.host, m.target);
  }
  return files;
}

/** The host file a container sees at `containerPath`; throws if no bind mount provides it. */
function hostFileAt(s: Service, containerPath: string): string {
  const host = filesSeenAt(s, containerPath).get(containerPath);
  if (host === undefined) throw new Error(`no existing file is mounted at ${containerPath}`);
  return host;
}

// --- the Dockerfile ---

interface Instruction {
  readonly op: string;
  readonly args: string;
}

function parseDockerfile(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

const dockerfile = parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
/** What the image runs with: instructions of the last stage. */
const finalStage = dockerfile.slice(dockerfile.map((i) => i.op).lastIndexOf('FROM'));
const exposed = finalStage.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/).map((p) => Number(p.replace(/\/tcp$/, ''))));
const jsonArgs = (op: string): string[] => JSON.parse(finalStage.find((i) => i.op === op)?.args ?? '[]') as string[];

// --- Prometheus replicas ---

const replicaServices = servicesOfImage('prom/prometheus');

function prometheusArgs(name: string): readonly string[] {
  return argsOf(service(name).command);
}

/** The config file a Prometheus service reads, on the host. */
function prometheusConfigFile(name: string): string {
  // prom/prometheus's own CMD reads /etc/prometheus/prometheus.yml.
  return hostFileAt(service(name), flag(prometheusArgs(name), 'config.file') ?? '/etc/prometheus/prometheus.yml');
}

/** Where each service listens inside the compose network. */
function listenPort(name: string): number {
  const s = service(name);
  const image = s.image?.split(':')[0];
  if (image === 'prom/prometheus') return portOf(flag(argsOf(s.command), 'web.listen-address') ?? ':9090');
  if (image === 'prom/node-exporter') return portOf(flag(argsOf(s.command), 'web.listen-address') ?? ':9100');
  if (image === 'grafana/grafana') return 3000;
  if (s.build !== undefined) return portOf(flag(s.command === undefined ? jsonArgs('CMD') : argsOf(s.command), 'web.listen-address') ?? ':9099');
  throw new Error(`no known listen port for service ${name}`);
}

describe('deploy/docker-compose.yml', () => {
  it('runs an HA pair of Prometheus, a node-exporter, promgate and Grafana, each image pinned', () => {
    expect(replicaServices).toHaveLength(2);
    expect(servicesOfImage('prom/node-exporter')).toHaveLength(1);
    expect(servicesOfImage('grafana/grafana')).toEqual(['grafana']);
    expect(service('promgate').build).toBeDefined();
    for (const [name, s] of Object.entries(compose.services)) {
      if (s.build !== undefined) continue;
      expect(s.image, `service ${name}`).toMatch(/^[\w./-]+:v?\d+\.\d+\.\d+$/);
    }
  });

  it('every file or folder it mounts exists, and every named volume is declared', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const m of mountsOf(s)) {
        if (m.host === undefined) expect(Object.keys(compose.volumes ?? {}), `service ${name} volume ${m.source}`).toContain(m.source);
        else expect(existsSync(m.host), `service ${name} mounts ${m.source}, which does not exist`).toBe(true);
      }
    }
  });

  it('publishes each host port once, and each onto a port its container listens on', () => {
    const published = Object.values(compose.services).flatMap((s) => portsOf(s).map((p) => p.published));
    expect(new Set(published).size).toBe(published.length);
    for (const [name, s] of Object.entries(compose.services)) {
      for (const p of portsOf(s)) expect(p.target, `service ${name}`).toBe(listenPort(name));
    }
  });
});

describe('the Prometheus replicas', () => {
  // Read in each test, so a missing file fails the tests that need it, after the mount test names it.
  const replicaConfigs = () => replicaServices.map((name) => ({ name, file: prometheusConfigFile(name), config: readYaml<PrometheusConfig>(prometheusConfigFile(name)) }));

  it('each reads its own config file', () => {
    const configs = replicaConfigs();
    expect(new Set(configs.map((c) => c.file)).size).toBe(configs.length);
  });

  it('promtool accepts their configs', () => {
    const { promtool } = requirePrometheus();
    for (const { file } of replicaConfigs()) {
      // Throws, with promtool's complaint, on a non-zero exit.
      expect(execFileSync(promtool, ['check', 'config', file], { encoding: 'utf8', stdio: 'pipe' })).toContain('SUCCESS');
    }
  });

  it('are an HA pair: the same configuration but for a distinct external_labels.replica', () => {
    const configs = replicaConfigs();
    const labels = configs.map((c) => c.config.global?.external_labels?.replica);
    expect(labels.every((l) => typeof l === 'string' && l !== '')).toBe(true);
    expect(new Set(labels).size).toBe(labels.length);
    const withoutReplica = configs.map(({ config }) => ({ ...config, global: { ...config.global, external_labels: { ...config.global?.external_labels, replica: undefined } } }));
    for (const other of withoutReplica.slice(1)) expect(other).toEqual(withoutReplica[0]);
  });

  it('scrape compose services where they listen: the node-exporter, both replicas and promgate', () => {
    for (const { name, config } of replicaConfigs()) {
      const targets = (config.scrape_configs ?? []).flatMap((j) => (j.static_configs ?? []).flatMap((sc) => sc.targets));
      for (const target of targets) {
        const [host = '', port] = target.split(':');
        expect(Object.keys(compose.services), `${name} scrapes ${target}`).toContain(host);
        expect(Number(port), `${name} scrapes ${target}`).toBe(listenPort(host));
      }
      const hosts = new Set(targets.map((t) => t.split(':')[0]));
      for (const wanted of [...servicesOfImage('prom/node-exporter'), ...replicaServices, 'promgate']) expect([...hosts], name).toContain(wanted);
    }
  });
});

describe('promgate', () => {
  const promgate = service('promgate');
  const build = typeof promgate.build === 'string' ? { context: promgate.build } : (promgate.build ?? {});
  const args = promgate.command === undefined ? [...jsonArgs('ENTRYPOINT'), ...jsonArgs('CMD')] : argsOf(promgate.command);

  it("is built from the repository's Dockerfile, whose COPY sources all exist", () => {
    expect(resolve(DEPLOY, build.context ?? '.')).toBe(resolve(REPO));
    expect(build.dockerfile ?? 'Dockerfile').toBe('Dockerfile');
    const copies = dockerfile.filter((i) => i.op === 'COPY' && !/--from=/.test(i.args));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const words = copy.args.startsWith('[') ? (JSON.parse(copy.args) as string[]) : copy.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      for (const source of words.slice(0, -1)) expect(existsSync(join(REPO, source)), `COPY ${source}`).toBe(true);
    }
  });

  it('listens on the port the Dockerfile EXPOSEs, checks its health there, and compose publishes it', () => {
    expect(exposed).toHaveLength(1);
    const port = exposed[0];
    expect(listenPort('promgate')).toBe(port);
    expect(portsOf(promgate).map((p) => p.target)).toEqual([port]);
    const healthcheck = finalStage.find((i) => i.op === 'HEALTHCHECK')?.args ?? '';
    expect(healthcheck).toContain(`127.0.0.1:${port}/-/ready`);
  });

  it("reads its config from a mounted file that promgate's own loader accepts", async () => {
    const configPath = flag(args, 'config.file');
    expect(configPath).toBeDefined();
    const file = hostFileAt(promgate, configPath!);
    expect(file).toBe(join(DEPLOY, 'promgate', 'promgate.yaml'));
    const config = await loadConfigFile(file);
    // The image's --web.listen-address wins, but the file alone must also listen there, on every interface.
    expect(config.listen_address).toBe(`:${exposed[0]}`);
  });

  it('names as replicas the Prometheus services, on the port each listens on, by its external replica label', async () => {
    const config = await loadConfigFile(hostFileAt(promgate, flag(args, 'config.file')!));
    expect(config.replicas.map((r) => r.url.hostname).sort()).toEqual([...replicaServices].sort());
    for (const r of config.replicas) {
      expect(r.url.protocol).toBe('http:');
      expect(Number(r.url.port || 80), r.url.href).toBe(listenPort(r.url.hostname));
      const prometheus = readYaml<PrometheusConfig>(prometheusConfigFile(r.url.hostname));
      expect(r.name).toBe(prometheus.global?.external_labels?.replica);
    }
  });
});

describe('Grafana', () => {
  const grafana = service('grafana');
  const env = Array.isArray(grafana.environment)
    ? Object.fromEntries((grafana.environment as readonly string[]).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]))
    : ((grafana.environment ?? {}) as Readonly<Record<string, string>>);
  // Grafana's default paths.provisioning, unless the environment moves it.
  const provisioning = env.GF_PATHS_PROVISIONING ?? '/etc/grafana/provisioning';
  const provisioned = (kind: 'datasources' | 'dashboards') =>
    [...filesSeenAt(grafana, posix.join(provisioning, kind))].filter(([path]) => /\.ya?ml$/.test(path)).map(([, host]) => readYaml<Record<string, unknown>>(host));

  it('its data source is promgate, at the service and port the Dockerfile exposes', () => {
    const datasources = provisioned('datasources').flatMap((f) => (f.datasources ?? []) as { type: string; url: string; isDefault?: boolean }[]);
    expect(datasources).toHaveLength(1);
    const [ds] = datasources;
    expect(ds).toMatchObject({ type: 'prometheus', isDefault: true });
    const url = new URL(ds!.url);
    expect(url.hostname).toBe('promgate');
    expect(service(url.hostname).build).toBeDefined();
    expect(Number(url.port)).toBe(exposed[0]);
  });

  it('its dashboard provider loads deploy/grafana/promgate.json, a dashboard on the datasource variable', () => {
    const providers = provisioned('dashboards').flatMap((f) => (f.providers ?? []) as { type: string; options: { path: string } }[]);
    expect(providers).toHaveLength(1);
    const dashboards = [...filesSeenAt(grafana, providers[0]!.options.path)].filter(([path]) => path.endsWith('.json')).map(([, host]) => host);
    expect(dashboards).toEqual([join(DEPLOY, 'grafana', 'promgate.json')]);
    const dashboard = JSON.parse(readFileSync(dashboards[0]!, 'utf8')) as { uid: string; templating: { list: { name: string; type: string }[] } };
    expect(dashboard.uid).toBe('promgate');
    expect(dashboard.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource' }));
  });

  it('its home dashboard, when set, is a file it can see', () => {
    const home = env.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    if (home !== undefined) expect(hostFileAt(grafana, home)).toBe(join(DEPLOY, 'grafana', 'promgate.json'));
  });

  it('starts after promgate', () => {
    expect(Object.keys(compose.services)).toContain('promgate');
    const dependsOn = (compose.services.grafana as { depends_on?: readonly string[] | Record<string, unknown> }).depends_on;
    expect(Array.isArray(dependsOn) ? dependsOn : Object.keys(dependsOn ?? {})).toContain('promgate');
  });
});
