export { parsePrometheusDuration, formatPrometheusDuration } from './duration.js';
export { parseGoFloat } from './go-float.js';
export { parseRfc3339Nano } from './rfc3339.js';
export {
  parsePrometheusTime,
  parsePrometheusTimeNs,
  formatPrometheusTime,
  nsToMs,
  MIN_TIME_FORMATTED,
  MAX_TIME_FORMATTED,
  MIN_TIME_NS,
  MAX_TIME_NS,
  MIN_TIME_MS,
  MAX_TIME_MS,
} from './time.js';
export { parsePrometheusStep, parsePrometheusStepNs } from './step.js';
export { normalizePath, classifyPath } from './path.js';
export type { NormalizedPath, EndpointName, OwnEndpointName, ProxyRoute, PathClass } from './path.js';
export { parseForm, parseParams } from './params.js';
export type { ParsedForm } from './params.js';
export { normalizeRequest, requestKey } from './normalize.js';
export type { NormalizedRequest, NormalizeResult } from './normalize.js';
