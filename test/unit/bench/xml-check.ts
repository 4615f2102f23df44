/**
 * A tiny XML well-formedness checker for the chart tests (no parser dependency): balanced and
 * properly nested tags, one root, quoted unique attributes, no raw `<` in text or attributes,
 * every `&` a known entity, no characters XML 1.0 forbids. Returns the problems found.
 */
const NAME = '[A-Za-z_:][-A-Za-z0-9_:.]*';
const ENTITY = /&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);/y;
const START_TAG = new RegExp(`<(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"]*"|'[^']*'))*)\\s*(/?)>`, 'y');
const END_TAG = new RegExp(`</(${NAME})\\s*>`, 'y');
const ATTR = new RegExp(`(${NAME})\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'g');
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

export function checkXml(doc: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let roots = 0;
  let i = 0;
  if (FORBIDDEN.test(doc)) problems.push('forbidden control character');
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    const textEnd = lt === -1 ? doc.length : lt;
    checkText(doc, i, textEnd, stack.length === 0, problems);
    if (lt === -1) break;
    i = lt;
    if (doc.startsWith('<!--', i) || doc.startsWith('<?', i)) {
      const terminator = doc.startsWith('<!--', i) ? '-->' : '?>';
      const close = doc.indexOf(terminator, i);
      if (close === -1) return [...problems, `unterminated comment or PI at ${i}`];
      i = close + terminator.length;
      continue;
    }
    END_TAG.lastIndex = i;
    const end = END_TAG.exec(doc);
    if (end) {
      const open = stack.pop();
      if (open !== end[1]) problems.push(`</${end[1]}> closes <${open ?? 'nothing'}> at ${i}`);
      i = END_TAG.lastIndex;
      continue;
    }
    START_TAG.lastIndex = i;
    const start = START_TAG.exec(doc);
    if (!start) return [...problems, `malformed tag at ${i}: ${doc.slice(i, i + 40)}`];
    if (stack.length === 0) roots += 1;
    checkAttributes(start[2] ?? '', problems);
    if (start[3] !== '/') stack.push(start[1]!);
    i = START_TAG.lastIndex;
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(' > ')}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}

function checkText(doc: string, from: number, to: number, outside: boolean, problems: string[]): void {
  const text = doc.slice(from, to);
  if (outside && text.trim() !== '') problems.push(`text outside the root: ${text.trim().slice(0, 20)}`);
  checkAmpersands(text, problems);
}

function checkAttributes(source: string, problems: string[]): void {
  const seen = new Set<string>();
  for (const m of source.matchAll(ATTR)) {
    const name = m[1]!;
    if (seen.has(name)) problems.push(`duplicate attribute ${name}`);
    seen.add(name);
    const value = m[2] ?? m[3] ?? '';
    if (value.includes('<')) problems.push(`raw < in attribute ${name}`);
    checkAmpersands(value, problems);
  }
}

function checkAmpersands(s: string, problems: string[]): void {
  for (let i = s.indexOf('&'); i !== -1; i = s.indexOf('&', i + 1)) {
    ENTITY.lastIndex = i;
    if (!ENTITY.test(s)) problems.push(`bare & in: ${s.slice(i, i + 12)}`);
  }
}
