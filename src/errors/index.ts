export * from './promgate-error.js';
export * from './errors.js';
export { toPrometheusBody, type PrometheusErrorBody } from './prometheus-body.js';
