export {
  type AnalyzeParams,
  type PinAnchor,
  type PinnedRead,
  type QueryAnalysis,
  type QueryAnalysisFailure,
  analyzeQuery,
} from './analyze.js';
export { AnalysisMemo } from './analysis-memo.js';
export { pinStartEnd } from './pin-window.js';
