export * from './schema.js';
export { validateConfig, parseConfigText, loadConfigFile } from './load.js';
