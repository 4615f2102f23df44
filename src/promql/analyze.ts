/**
 * What a PromQL expression reads relative to its evaluation time, from the lezer-promql tree
 * (the grammar the Prometheus UI uses). The range cache uses it to know how far a cached step
 * depends on data around it and whether a range query may be stitched from pieces at all.
 *
 * Model: every selector reads an interval [t + from, t + to] around the time t it is evaluated at.
 * A range `[d]` moves `from` back by d; a subquery `[r:s]` evaluates its inner expression at points
 * in (t - r, t], moving inner `from` back by r; `offset o` shifts both by -o. `@ x` pins the
 * selector or subquery it modifies to x (after its own offset), so what it reads no longer follows
 * t: those reads are reported in `pinnedReads`, not in lookbehind/lookahead.
 * https://prometheus.io/docs/prometheus/latest/querying/basics/#modifier
 */
import type { SyntaxNode } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';
import { children, durationMs, nonNegativeDurationMs, numberSeconds, textOf, Unsupported, type DurationContext } from './duration-expr.js';

export type PinAnchor = 'start' | 'end' | number;

/** What a selector or subquery pinned by `@` reads, relative to the pinned time. */
export interface PinnedRead {
  /** `start()`, `end()` or an absolute time in ms. */
  at: PinAnchor;
  lookbehindMs: number;
  lookaheadMs: number;
}

export interface QueryAnalysis {
  ok: true;
  /** `@ start()` or `@ end()` occurs. */
  usesAtStartEnd: boolean;
  /** Absolute `@ <time>` values in ms, sorted, distinct. */
  atTimestampsMs: number[];
  /** Furthest back from t the query reads (ranges + subquery ranges + offsets), lookback delta excluded. */
  lookbehindMs: number;
  /** Furthest ahead of t the query reads (negative offsets). */
  lookaheadMs: number;
  hasSubquery: boolean;
  /** `range()` occurs in a duration: the answer depends on the window's length. */
  usesRangeFn: boolean;
  /** `step()` occurs in a duration: the answer depends on the step (cache keys hold it anyway). */
  usesStepFn: boolean;
  /**
   * A step's value depends on the whole window (`@ start()`, `@ end()`, `range()`), so the range
   * query must not be answered from pieces fetched for other windows.
   */
  dependsOnWindow: boolean;
  pinnedReads: PinnedRead[];
  /** Some selector reads around the evaluation time (not only around `@` pins). */
  readsAtEval: boolean;
}

export interface QueryAnalysisFailure {
  ok: false;
  /** Why, for logs; not for decisions. */
  reason: string;
}

/** Values of `step()` and `range()` when the caller knows them (duration expressions). */
export interface AnalyzeParams {
  stepMs?: number;
  rangeMs?: number;
}


type Anchor = 'eval' | PinAnchor;

interface Read {
  anchor: Anchor;
  from: number;
  to: number;
}

interface Walk extends DurationContext {
  params: AnalyzeParams;
  usesAtStartEnd: boolean;
  usesRangeFn: boolean;
  usesStepFn: boolean;
  hasSubquery: boolean;
  atTimestampsMs: Set<number>;
}

function shiftEval(reads: Read[], fromBy: number, toBy: number): Read[] {
  return reads.map((r) => (r.anchor === 'eval' ? { anchor: r.anchor, from: r.from + fromBy, to: r.to + toBy } : r));
}

/** `offset` and `@` waiting for the selector or subquery they modify. */
interface Modifiers {
  offsetMs?: number;
  at?: PinAnchor;
}

/**
 * Adds the modifier `node` (OffsetExpr or StepInvariantExpr) to `mods`; each may be set once, in
 * either order, as in the Prometheus parser.
 */
function addModifier(w: Walk, node: SyntaxNode, mods: Modifiers): Modifiers {
  const kids = children(node);
  if (node.name === 'OffsetExpr') {
    if (mods.offsetMs !== undefined) throw new Unsupported('offset set twice');
    const d = kids.find((k) => k.name === 'OffsetDurationExpr');
    if (d === undefined) throw new Unsupported('offset without duration');
    return { ...mods, offsetMs: durationMs(w, d) };
  }
  if (mods.at !== undefined) throw new Unsupported('@ set twice');
  return { ...mods, at: atAnchor(w, kids) };
}

/** The offset applies first, then `@` pins what followed t; reads already pinned stay. */
function applyModifiers(reads: Read[], mods: Modifiers): Read[] {
  let out = reads;
  if (mods.offsetMs !== undefined) out = shiftEval(out, -mods.offsetMs, -mods.offsetMs);
  const pin = mods.at;
  if (pin !== undefined) out = out.map((r) => (r.anchor === 'eval' ? { ...r, anchor: pin } : r));
  return out;
}

function atAnchor(w: Walk, kids: SyntaxNode[]): PinAnchor {
  const pre = kids.find((k) => k.name === 'AtModifierPreprocessors');
  if (pre !== undefined) {
    w.usesAtStartEnd = true;
    const which = children(pre)[0]?.name;
    if (which === 'AtStart') return 'start';
    if (which === 'AtEnd') return 'end';
    throw new Unsupported('unknown @ preprocessor');
  }
  const lit = kids.find((k) => k.name === 'NumberDurationLiteral');
  if (lit === undefined) throw new Unsupported('@ without time');
  // timestamp.FromFloatSeconds: int64(math.Round(ts * 1000)).
  const ms = Math.round(numberSeconds(textOf(w, lit)) * 1000);
  if (!Number.isSafeInteger(ms)) throw new Unsupported('@ time out of range');
  w.atTimestampsMs.add(ms);
  return ms;
}

/**
 * Reads of one node, relative to the time it is evaluated at. `mods` are an `offset`/`@` met
 * above it that belong to the selector or subquery ending the node's text: lezer-promql gives
 * these modifiers lower precedence than binary and unary operators (`x - x offset 1d` parses as
 * `(x - x) offset 1d`), while Prometheus binds them to the selector just before them, so they are
 * carried down the right-hand operand to it. Anywhere else Prometheus refuses them.
 */
function reads0(w: Walk, node: SyntaxNode, mods: Modifiers = {}): Read[] {
  const kids = children(node);
  const pending = mods.offsetMs !== undefined || mods.at !== undefined;
  switch (node.name) {
    case 'OffsetExpr':
    case 'StepInvariantExpr': {
      const [inner] = kids;
      if (inner === undefined) throw new Unsupported(`empty ${node.name}`);
      return reads0(w, inner, addModifier(w, node, mods));
    }
    case 'BinaryExpr': {
      if (!pending) return kids.flatMap((k) => reads0(w, k));
      const rhs = kids[kids.length - 1];
      return [...kids.slice(0, -1).flatMap((k) => reads0(w, k)), ...(rhs === undefined ? [] : reads0(w, rhs, mods))];
    }
    case 'UnaryExpr': {
      const operand = kids[kids.length - 1];
      if (operand === undefined) throw new Unsupported('unary without operand');
      return reads0(w, operand, mods);
    }
    case 'VectorSelector':
      return applyModifiers([{ anchor: 'eval', from: 0, to: 0 }], mods);
    case 'MatrixSelector': {
      const [sel, range] = kids;
      if (sel?.name !== 'VectorSelector' || range?.name !== 'DurationExpr') throw new Unsupported('range not on a vector selector');
      return applyModifiers(shiftEval(reads0(w, sel), -nonNegativeDurationMs(w, range), 0), mods);
    }
    case 'SubqueryExpr': {
      w.hasSubquery = true;
      const [inner, range] = kids;
      if (inner === undefined || range?.name !== 'DurationExpr') throw new Unsupported('malformed subquery');
      // Prometheus binds `[r:s]` to the operand before it; over an operator the result would be a
      // range vector in arithmetic, which it refuses.
      if (inner.name === 'BinaryExpr' || inner.name === 'UnaryExpr') throw new Unsupported('subquery of an operator expression');
      // The resolution (third child) does not move what is read; step()/range() in it are
      // flagged by the prescan in analyzeQuery.
      return applyModifiers(shiftEval(reads0(w, inner), -nonNegativeDurationMs(w, range), 0), mods);
    }
    case 'AnchoredExpr':
    case 'SmoothedExpr':
      // Experimental modifiers that read samples outside the range, up to the lookback delta
      // before (anchored) or after (smoothed) it; left out until the cache models them.
      throw new Unsupported(`${node.name} not analyzed`);
    default:
      if (pending) throw new Unsupported(`offset or @ after ${node.name}`);
      return kids.flatMap((k) => reads0(w, k));
  }
}

function firstError(node: SyntaxNode): SyntaxNode | undefined {
  const cursor = node.cursor();
  do {
    if (cursor.type.isError) return cursor.node;
  } while (cursor.next());
  return undefined;
}

/**
 * What `expr` reads around each evaluation time. ok:false when it does not parse, uses constructs
 * whose reads are not modelled, or needs `step()`/`range()` values not given in `params`.
 */
export function analyzeQuery(expr: string, params: AnalyzeParams = {}): QueryAnalysis | QueryAnalysisFailure {
  try {
    return analyzeParsed(expr, params);
  } catch (err) {
    // A query nested deep enough overflows the stack of the parser or of our walk. Prometheus may
    // still answer it, so this only means "not analysable": the request passes through untouched.
    return { ok: false, reason: `not analysable: ${(err as Error).message}` };
  }
}

function analyzeParsed(expr: string, params: AnalyzeParams): QueryAnalysis | QueryAnalysisFailure {
  const root = parser.parse(expr).topNode;
  const err = firstError(root);
  if (err !== undefined) return { ok: false, reason: `parse error at ${err.from}` };
  if (children(root).length === 0) return { ok: false, reason: 'empty expression' };
  const w: Walk = {
    text: expr,
    params,
    usesAtStartEnd: false,
    usesRangeFn: false,
    usesStepFn: false,
    hasSubquery: false,
    atTimestampsMs: new Set(),
  };
  const cursor = root.cursor();
  do {
    if (cursor.name === 'DurationStep') w.usesStepFn = true;
    if (cursor.name === 'DurationRange') w.usesRangeFn = true;
  } while (cursor.next());
  let reads: Read[];
  try {
    reads = reads0(w, root);
  } catch (e) {
    if (e instanceof Unsupported) return { ok: false, reason: e.message };
    throw e;
  }
  let lookbehindMs = 0;
  let lookaheadMs = 0;
  const pinned = new Map<PinAnchor, PinnedRead>();
  for (const r of reads) {
    const behind = Math.max(0, -r.from);
    const ahead = Math.max(0, r.to);
    if (r.anchor === 'eval') {
      lookbehindMs = Math.max(lookbehindMs, behind);
      lookaheadMs = Math.max(lookaheadMs, ahead);
      continue;
    }
    const p = pinned.get(r.anchor);
    if (p === undefined) pinned.set(r.anchor, { at: r.anchor, lookbehindMs: behind, lookaheadMs: ahead });
    else {
      p.lookbehindMs = Math.max(p.lookbehindMs, behind);
      p.lookaheadMs = Math.max(p.lookaheadMs, ahead);
    }
  }
  return {
    ok: true,
    usesAtStartEnd: w.usesAtStartEnd,
    atTimestampsMs: [...w.atTimestampsMs].sort((a, b) => a - b),
    lookbehindMs,
    lookaheadMs,
    hasSubquery: w.hasSubquery,
    usesRangeFn: w.usesRangeFn,
    usesStepFn: w.usesStepFn,
    dependsOnWindow: w.usesAtStartEnd || w.usesRangeFn,
    pinnedReads: [...pinned.values()],
    readsAtEval: reads.some((r) => r.anchor === 'eval'),
  };
}
