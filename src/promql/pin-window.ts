import { parser } from '@prometheus-io/lezer-promql';

/**
 * The query with every `@ start()` and `@ end()` replaced by the absolute time they stand for in
 * the client's window, so a slice of that window asked as its own query still reads what the
 * whole would have (a slice's own start() would be another time). Times are written as seconds
 * with millisecond precision, which is how Prometheus resolves them (timestamp.FromFloatSeconds).
 * Undefined when the query does not parse.
 */
export function pinStartEnd(query: string, startMs: number, endMs: number): string | undefined {
  const tree = parser.parse(query);
  const edits: { from: number; to: number; text: string }[] = [];
  let broken = false;
  tree.iterate({
    enter(node) {
      if (node.type.isError) broken = true;
      if (node.name !== 'AtModifierPreprocessors') return;
      const which = node.node.firstChild?.name;
      // The node spans the word; its `()` follow (possibly spaced): they go too.
      const parens = /^\s*\(\s*\)/.exec(query.slice(node.to));
      if (!parens) broken = true;
      const to = node.to + (parens?.[0].length ?? 0);
      if (which === 'AtStart') edits.push({ from: node.from, to, text: seconds(startMs) });
      else if (which === 'AtEnd') edits.push({ from: node.from, to, text: seconds(endMs) });
      else broken = true;
    },
  });
  if (broken) return undefined;
  let out = query;
  for (const e of edits.sort((a, b) => b.from - a.from)) out = out.slice(0, e.from) + e.text + out.slice(e.to);
  return out;
}

function seconds(ms: number): string {
  const whole = Math.trunc(ms / 1000);
  const frac = Math.abs(ms % 1000);
  return frac === 0 ? String(whole) : `${ms < 0 && whole === 0 ? '-' : ''}${whole}.${String(frac).padStart(3, '0')}`;
}
