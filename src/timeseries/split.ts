import { alignedSteps, type Extent } from './extent.js';

/**
 * Splits `extent` into consecutive parts on the grid through extent.start, each with at most
 * `maxPointsPerPart` grid points: no overlap, no gap (part i+1 starts one step after part i ends).
 * A window end that is off the grid is cut back to the last grid point, as Prometheus does.
 * Prometheus refuses a range query with (end - start) / step > 11000, i.e. more than 11001 points.
 */
export function splitOnGrid(extent: Extent, stepMs: number, maxPointsPerPart: number): Extent[] {
  if (!Number.isSafeInteger(maxPointsPerPart) || maxPointsPerPart < 1) {
    throw new RangeError(`maxPointsPerPart must be a positive integer, got ${maxPointsPerPart}`);
  }
  const total = alignedSteps(extent, stepMs);
  const out: Extent[] = [];
  for (let first = 0; first < total; first += maxPointsPerPart) {
    const last = Math.min(first + maxPointsPerPart, total) - 1;
    out.push({ start: extent.start + first * stepMs, end: extent.start + last * stepMs });
  }
  return out;
}
