/**
 * PromQL duration expressions (`5m`, `300`, `1m+30s`, `step()*4`, `-(1h)`) and numbers, evaluated
 * as Prometheus does: durations are seconds in arithmetic (`2*1m` is 120s), then milliseconds.
 * https://prometheus.io/docs/prometheus/latest/querying/basics/#time-durations
 */
import type { SyntaxNode } from '@lezer/common';
import { parsePrometheusDuration } from '../query/duration.js';

/** A construct the analysis does not model (or Prometheus refuses); internal, never thrown out. */
export class Unsupported extends Error {}

/** The query text and the values of `step()` and `range()` when known. */
export interface DurationContext {
  text: string;
  params: { stepMs?: number; rangeMs?: number };
}

const SKIPPED = new Set(['LineComment']);

/** Named children of a lezer node, comments left out. */
export function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c !== null; c = c.nextSibling) if (!SKIPPED.has(c.name)) out.push(c);
  return out;
}

/** The source text a node spans. */
export function textOf(ctx: DurationContext, node: SyntaxNode): string {
  return ctx.text.slice(node.from, node.to);
}

/**
 * A number as the PromQL lexer reads it: a duration (`5m`, in seconds here), an integer with Go's
 * base prefixes (0x, 0o, 0b, leading 0 = octal) or a float.
 */
export function numberSeconds(text: string): number {
  const dur = parsePrometheusDuration(text);
  if (dur !== undefined) return dur / 1000;
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.replace(/^[+-]/, '');
  let n: number;
  if (/^0[0-7]+$/.test(body)) n = parseInt(body, 8);
  else if (/^(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+)$/.test(body)) n = Number(body);
  else if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(body)) n = Number(body);
  else throw new Unsupported(`not a number: ${text}`);
  if (!Number.isFinite(n)) throw new Unsupported(`not a finite number: ${text}`);
  return sign * n;
}

const ARITH: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: (a, b) => {
    if (b === 0) throw new Unsupported('division by zero in duration');
    return a / b;
  },
  Mod: (a, b) => {
    if (b === 0) throw new Unsupported('modulo by zero in duration');
    return a % b;
  },
  Pow: (a, b) => a ** b,
};

/** A duration expression in seconds: PromQL duration arithmetic treats durations as seconds. */
function durationSeconds(ctx: DurationContext, node: SyntaxNode): number {
  const kids = children(node);
  switch (node.name) {
    case 'NumberDurationLiteralInDurationContext':
    case 'NumberDurationLiteral':
      return numberSeconds(textOf(ctx, node));
    case 'DurationStep':
      if (ctx.params.stepMs === undefined) throw new Unsupported('step() without a known step');
      return ctx.params.stepMs / 1000;
    case 'DurationRange':
      if (ctx.params.rangeMs === undefined) throw new Unsupported('range() without a known range');
      return ctx.params.rangeMs / 1000;
    case 'DurationMinOf':
    case 'DurationMaxOf': {
      const vals = kids.map((k) => durationSeconds(ctx, k));
      if (vals.length === 0) throw new Unsupported(`empty ${node.name}`);
      return node.name === 'DurationMinOf' ? Math.min(...vals) : Math.max(...vals);
    }
    case 'DurationExpr':
    case 'OffsetDurationExpr': {
      const [a, b, c] = kids;
      if (kids.length === 1 && a !== undefined) return durationSeconds(ctx, a);
      if (kids.length === 2 && a !== undefined && b !== undefined && (a.name === 'UnaryOp' || a.name === 'Sub' || a.name === 'Add')) {
        const sign = textOf(ctx, a).trim() === '-' ? -1 : 1;
        return sign * durationSeconds(ctx, b);
      }
      if (kids.length === 3 && a !== undefined && b !== undefined && c !== undefined) {
        const op = ARITH[b.name];
        if (op !== undefined) return op(durationSeconds(ctx, a), durationSeconds(ctx, c));
      }
      throw new Unsupported(`duration expression: ${textOf(ctx, node)}`);
    }
    default:
      throw new Unsupported(`duration node ${node.name}`);
  }
}

export function durationMs(ctx: DurationContext, node: SyntaxNode): number {
  const ms = Math.round(durationSeconds(ctx, node) * 1000);
  if (!Number.isSafeInteger(ms)) throw new Unsupported(`duration out of range: ${textOf(ctx, node)}`);
  return ms;
}

export function nonNegativeDurationMs(ctx: DurationContext, node: SyntaxNode): number {
  const ms = durationMs(ctx, node);
  if (ms < 0) throw new Unsupported(`negative duration: ${textOf(ctx, node)}`);
  return ms;
}

