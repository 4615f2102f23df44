export * from './schema.js';
export { validateConfig, parseConfigText, loadConfigFile, type ConfigOverrides } from './load.js';
export { Secret } from './secret.js';
export { resolveHttpConfigs, type ReplicaHttpConfig, type ReplicaTls } from './http-config.js';
export { loadWebConfig, clientCertRefusal, type WebConfig, type WebTlsOptions, type ClientAuthType } from './web-config.js';
