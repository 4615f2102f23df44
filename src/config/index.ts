export * from './schema.js';
export { validateConfig, parseConfigText, loadConfigFile, type ConfigOverrides } from './load.js';
