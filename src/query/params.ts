/**
 * Request parameters merged the way Go's `r.ParseForm()` builds `r.Form`, which every Prometheus
 * handler reads (`r.FormValue(name)` is the first value, `r.Form[name]` all of them):
 * - for POST, PUT and PATCH with Content-Type application/x-www-form-urlencoded (parameters and
 *   case ignored), the body's values come first, then the URL's for the same name;
 * - `url.ParseQuery` on each: pairs split on `&` only; a pair containing `;` is dropped (Go ≥ 1.17);
 *   empty pairs are skipped; a pair whose name or value has a bad `%` escape is dropped; `+` is a
 *   space; a pair without `=` is a name with an empty value;
 * - a body over 10 MiB is not read at all (`http: POST too large`).
 * Go keeps going past each of these and reports the first one as ParseForm's error. FormValue
 * ignores that error, but /api/v1/series, /labels and others call ParseForm and answer 400.
 * We also flag what Go would read as bytes we cannot hold faithfully in a JavaScript string
 * (invalid UTF-8) and a multipart/form-data body (Go reads its fields into r.Form; we do not).
 */

export interface ParsedForm {
  /** r.Form: name → values, body values before URL values. */
  params: Map<string, string[]>;
  /**
   * Why Prometheus's view of the parameters may differ from `params`, or undefined. When set,
   * do not derive a cache or coalescing key from `params`: forward the request untouched.
   */
  error: string | undefined;
}

const MAX_FORM_BYTES = 10 << 20;
/** Go (1.24+, GODEBUG urlmaxqueryparams) refuses more than this many pairs in one ParseQuery. */
const MAX_PAIRS = 10_000;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const MEDIA_TYPE_RE = new RegExp(`^${TOKEN}/${TOKEN}$`);
const MEDIA_PARAM_RE = new RegExp(`^\\s*${TOKEN}\\s*=\\s*(?:${TOKEN}|"(?:[^"\\\\]|\\\\.)*")\\s*$`);

/**
 * Go's ParseForm over a raw query string (without the leading `?`) and an optional body.
 * `method` defaults to POST; pass the request's method so a body on GET is ignored, as Go does.
 */
export function parseForm(
  queryString: string,
  body: Buffer | undefined,
  contentType: string | undefined,
  method = 'POST',
): ParsedForm {
  const params = new Map<string, string[]>();
  const errors: string[] = [];
  const media = mediaType(contentType);
  if (media.error !== undefined) errors.push(media.error);
  if (media.type === 'multipart/form-data') errors.push('multipart/form-data bodies are not parsed');
  if (BODY_METHODS.has(method) && media.type === 'application/x-www-form-urlencoded') {
    const bytes = body ?? Buffer.alloc(0);
    if (bytes.length > MAX_FORM_BYTES) errors.push('http: POST too large');
    else parseQueryInto(params, bytes, errors);
  }
  if (/[^\x20-\x7e]/.test(queryString)) errors.push('raw non-printable or non-ASCII character in query string');
  parseQueryInto(params, Buffer.from(queryString, 'utf8'), errors);
  return { params, error: errors[0] };
}

/** Just the parameters of parseForm (what r.FormValue sees); check parseForm's error for keys. */
export function parseParams(
  queryString: string,
  body: Buffer | undefined,
  contentType: string | undefined,
  method?: string,
): Map<string, string[]> {
  return parseForm(queryString, body, contentType, method).params;
}

/** Go's url.ParseQuery, appending to `into`. */
function parseQueryInto(into: Map<string, string[]>, bytes: Buffer, errors: string[]): void {
  let pairs = 0;
  let start = 0;
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x26, start); // '&'
    if (end === -1) end = bytes.length;
    const pair = bytes.subarray(start, end);
    start = end + 1;
    if (pair.length === 0) {
      if (end === bytes.length) break;
      continue;
    }
    if (++pairs > MAX_PAIRS) {
      errors.push('number of URL query parameters exceeded limit');
      return;
    }
    if (pair.includes(0x3b)) {
      errors.push('invalid semicolon separator in query');
      continue;
    }
    const eq = pair.indexOf(0x3d); // '='
    const name = queryUnescape(eq === -1 ? pair : pair.subarray(0, eq));
    const value = queryUnescape(eq === -1 ? Buffer.alloc(0) : pair.subarray(eq + 1));
    if (typeof name !== 'string') {
      errors.push(name.error);
      continue;
    }
    if (typeof value !== 'string') {
      errors.push(value.error);
      continue;
    }
    const values = into.get(name);
    if (values) values.push(value);
    else into.set(name, [value]);
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Go's url.QueryUnescape (`+` is space, `%XX` must be two hex digits), then strict UTF-8. */
function queryUnescape(raw: Buffer): string | { error: string } {
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b === 0x25) {
      const hex = raw.subarray(i + 1, i + 3).toString('latin1');
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return { error: `invalid URL escape "%${hex}"` };
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      out.push(b === 0x2b ? 0x20 : b);
    }
  }
  try {
    return UTF8.decode(Uint8Array.from(out));
  } catch {
    return { error: 'parameter is not valid UTF-8' };
  }
}

/** mime.ParseMediaType, as far as ParseForm cares: the lower-cased type, and whether Go errs. */
function mediaType(contentType: string | undefined): { type: string; error?: string } {
  // RFC 7231 §3.1.1.5: an empty type may be treated as application/octet-stream, and Go does.
  const ct = contentType === undefined || contentType === '' ? 'application/octet-stream' : contentType;
  const [head = '', ...rest] = ct.split(';');
  const type = head.trim().toLowerCase();
  if (!MEDIA_TYPE_RE.test(type)) return { type: '', error: 'mime: invalid media type' };
  // Go ignores one trailing `;`; a malformed parameter keeps the type but is an error.
  const params = rest.length > 0 && (rest.at(-1) ?? '').trim() === '' ? rest.slice(0, -1) : rest;
  const bad = params.some((p) => !MEDIA_PARAM_RE.test(p));
  return bad ? { type, error: 'mime: invalid media parameter' } : { type };
}
