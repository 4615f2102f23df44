/**
 * Label sets ordered as Prometheus orders them. Go compares strings bytewise over their UTF-8
 * encoding, which is code point order; JS `<` compares UTF-16 code units, which disagrees for
 * characters above U+FFFF against U+E000–U+FFFF (e.g. '😀' > '\uFFFD' in Go, < in JS).
 * https://github.com/prometheus/prometheus/blob/main/model/labels/labels_slicelabels.go (Compare)
 */

export type LabelSet = Readonly<Record<string, string>>;

/** Go's `strings.Compare`: -1, 0 or 1 by UTF-8 byte order (= code point order). */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // At the first differing unit, code points decide. If both units are low surrogates their high
    // surrogates were equal, and comparing the low units is right; codePointAt returns them as is.
    const cx = a.codePointAt(i) ?? x;
    const cy = b.codePointAt(i) ?? y;
    return cx < cy ? -1 : 1;
  }
  return a.length < b.length ? -1 : 1;
}

/** Label names in the order Prometheus stores them (sorted bytewise). */
export function sortedLabelNames(metric: LabelSet): string[] {
  return Object.keys(metric).sort(compareGoStrings);
}

/** Pairs sorted by name, the shape Prometheus's labels.Labels has. */
export function labelPairs(metric: LabelSet): Array<readonly [string, string]> {
  return sortedLabelNames(metric).map((name) => [name, metric[name] ?? ''] as const);
}

/** labels.Compare over sorted pairs: name, then value, pair by pair; a prefix sorts first. */
export function comparePairs(a: ReadonlyArray<readonly [string, string]>, b: ReadonlyArray<readonly [string, string]>): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const [an, av] = a[i]!;
    const [bn, bv] = b[i]!;
    const byName = compareGoStrings(an, bn);
    if (byName !== 0) return byName;
    const byValue = compareGoStrings(av, bv);
    if (byValue !== 0) return byValue;
  }
  return a.length - b.length;
}

/** Prometheus's labels.Compare: <0, 0 or >0. */
export function compareLabelSets(a: LabelSet, b: LabelSet): number {
  return comparePairs(labelPairs(a), labelPairs(b));
}

/** A canonical, unambiguous string for a label set: equal sets give equal keys. */
export function seriesKey(metric: LabelSet): string {
  return JSON.stringify(labelPairs(metric));
}

/**
 * A copy of the label set with keys inserted in Prometheus order. Object.fromEntries defines own
 * properties, so a label named `__proto__` stays a label. JS still lists integer-like keys ("10")
 * first whatever the insertion order, so serializers must iterate labelPairs, not the object.
 */
export function canonicalLabels(metric: LabelSet): Record<string, string> {
  return Object.fromEntries(labelPairs(metric));
}
