export * from './promgate-error.js';
export * from './errors.js';
export { toPrometheusBody } from './prometheus-body.js';
