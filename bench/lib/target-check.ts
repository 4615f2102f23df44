import type { TargetCheck } from './types.js';

export type Comparison = '>=' | '>' | '<=' | '<' | '==';

export interface TargetGoal {
  name: string;
  op: Comparison;
  threshold: number;
  /** Appended to numbers in `wanted`, e.g. "x", " ms", " failures". */
  unit?: string;
}

/**
 * Judges one measured number against a goal. An unmeasured (`null`) or non-finite value fails:
 * a goal we could not check is not a goal we met.
 */
export function checkTarget(goal: TargetGoal, measured: number | null | undefined): TargetCheck {
  const value = measured !== null && measured !== undefined && Number.isFinite(measured) ? measured : null;
  const check: TargetCheck = {
    name: goal.name,
    wanted: `${goal.op} ${goal.threshold}${goal.unit ?? ''}`,
    measured: value,
    pass: value !== null && compare(value, goal.op, goal.threshold),
  };
  if (goal.unit !== undefined) check.unit = goal.unit;
  return check;
}

function compare(value: number, op: Comparison, threshold: number): boolean {
  switch (op) {
    case '>=':
      return value >= threshold;
    case '>':
      return value > threshold;
    case '<=':
      return value <= threshold;
    case '<':
      return value < threshold;
    case '==':
      return value === threshold;
  }
}
