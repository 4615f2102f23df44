export {
  type Interval,
  type Intervals,
  coarsen,
  contains,
  intersect,
  isNormalized,
  normalize,
  overlapLength,
  overlaps,
  subtract,
  union,
} from './intervals.js';
export { type DataWindow, dataWindow, stepWindow, windowOfRange } from './data-window.js';
export { type Grid, type ReplicaHoles, type Slice, type SplitPlan, type SplitPlanInput, MAX_GRID_POINTS, planSlices } from './split-plan.js';
export { type Candidate, type CoverageRoute, coveringSlice, routeByCoverage } from './coverage-route.js';
export { CoverageMap, type ProbeResult, type ReplicaCoverage } from './coverage-map.js';
export { CoverageProber, type ProbeGet, type ProberStatus } from './coverage-prober.js';
