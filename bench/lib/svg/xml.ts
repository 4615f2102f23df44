/**
 * The little XML the charts need: escaping, number formatting, element building. Attribute
 * values and text always go through `escapeXml`; tag and attribute names are our own constants.
 */

// Characters XML 1.0 forbids outright (https://www.w3.org/TR/xml/#charsets): C0 controls other
// than tab, LF, CR; lone surrogates; U+FFFE/U+FFFF. A scenario label can hold anything.
// eslint-disable-next-line no-control-regex
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Safe for both text content and double- or single-quoted attribute values. */
export function escapeXml(text: string): string {
  return text.replace(INVALID_XML_CHARS, '').replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/**
 * A coordinate or length for an attribute: at most 2 decimals, no `-0`, and never `NaN` or
 * `Infinity` (which would make the SVG invalid); those become 0, but callers filter them first.
 */
export function num(n: number): string {
  if (!Number.isFinite(n)) return '0';
  const rounded = Math.round(n * 100) / 100;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

export type Attrs = Record<string, string | number | undefined>;

function attrs(a: Attrs): string {
  let out = '';
  for (const [key, value] of Object.entries(a)) {
    if (value === undefined) continue;
    out += ` ${key}="${typeof value === 'number' ? num(value) : escapeXml(value)}"`;
  }
  return out;
}

/** An element; `children` is markup already built with `el`/`text` (never raw user strings). */
export function el(name: string, a: Attrs, children?: string | readonly string[]): string {
  const inner = Array.isArray(children) ? children.join('') : (children ?? '');
  return inner === '' ? `<${name}${attrs(a)}/>` : `<${name}${attrs(a)}>${inner}</${name}>`;
}

/** A `<text>` element whose content is escaped. */
export function text(a: Attrs, content: string): string {
  return `<text${attrs(a)}>${escapeXml(content)}</text>`;
}
