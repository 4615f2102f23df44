export {
  type Extent,
  alignToGrid,
  alignedSteps,
  ceilToGrid,
  floorToGrid,
  gridPhase,
  gridPoints,
  intersect,
  mergeExtents,
  missingExtents,
  subtract,
} from './extent.js';
export {
  type LabelSet,
  canonicalLabels,
  compareGoStrings,
  compareLabelSets,
  comparePairs,
  labelPairs,
  seriesKey,
  sortedLabelNames,
} from './labels.js';
export { type HistogramSample, type Matrix, type Sample, type Series, cropMatrix, mergeMatrices, sampleMs, sortMatrix } from './matrix.js';
export { type RangeResponse, formatTimestampMs, goJson, hasAnnotations, parseRangeResponse, serializeRangeResponse } from './response.js';
export { splitOnGrid } from './split.js';
export { concatInTimeOrder } from './concat.js';
export {
  type EncodedMatrix,
  type EncodedSeries,
  cropEncoded,
  encodeMatrix,
  encodedBytes,
  encodedSamples,
  mergeEncoded,
  writeRangeBody,
} from './encoded-matrix.js';
