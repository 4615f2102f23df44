// HTTP/1.1 written byte for byte on a plain socket: request targets, methods and header spellings
// that HTTP clients normalize or refuse to send (absolute-form, CONNECT, `%2F`, tabs, bare CR...).

import { connect } from 'node:net';

export interface RawAnswer {
  /** Undefined when the connection closed (or timed out) before a status line arrived. */
  readonly status: number | undefined;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Everything received, for messages. */
  readonly raw: string;
  readonly timedOut: boolean;
}

/**
 * Writes `request` to 127.0.0.1:`port` and reads until the server closes the connection (send
 * `Connection: close`), or `timeoutMs` passes, or (unless `readAll`, for pipelined requests) the first
 * response is complete. Only the first response is parsed; `raw` holds them all. Errors while
 * writing (the server may answer and close before a large request is sent) are not failures.
 */
export function rawRequest(port: number, request: string | Buffer, timeoutMs = 5_000, readAll = false, halfClose = false): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let timedOut = false;
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, timeoutMs);
    timer.unref();
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      // A complete answer ends the exchange even if the server keeps the connection open.
      if (!readAll && isComplete(Buffer.concat(chunks))) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseResponse(Buffer.concat(chunks), timedOut));
    });
    // write, not end: Node's HTTP server aborts a request whose client half-closes (as Go's does),
    // so a FIN right after the request would cancel it before any answer.
    // `halfClose`: FIN right after the request, as `printf … | nc` and HTTP/1.0-style tools do.
    socket.on('connect', () => (halfClose ? socket.end(request) : socket.write(request)));
  });
}

export function parseResponse(all: Buffer, timedOut = false): RawAnswer {
  // Skip interim 1xx answers (100 Continue to `Expect: 100-continue`).
  let bytes = all;
  while (/^HTTP\/1\.[01] 1\d\d /.test(bytes.subarray(0, 16).toString('latin1'))) {
    const end = bytes.indexOf('\r\n\r\n');
    if (end < 0) break;
    bytes = bytes.subarray(end + 4);
  }
  const raw = bytes.toString('latin1');
  const headEnd = raw.indexOf('\r\n\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
  if (!m || headEnd < 0) return { status: undefined, headers: {}, body: '', raw, timedOut };
  const headers: Record<string, string> = {};
  for (const line of raw.slice(0, headEnd).split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let body = bytes.subarray(headEnd + 4);
  if (headers['transfer-encoding']?.toLowerCase().includes('chunked')) {
    body = dechunk(body);
  } else if (headers['content-length'] !== undefined) {
    body = body.subarray(0, Number(headers['content-length']));
  }
  return { status: Number(m[1]), headers, body: body.toString('utf8'), raw, timedOut };
}

function dechunk(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/** True once a whole final (non-1xx) response is in `bytes`: framed by Content-Length or chunked. */
function isComplete(bytes: Buffer): boolean {
  const a = parseResponse(bytes);
  if (a.status === undefined) return false;
  const te = a.headers['transfer-encoding'];
  if (te !== undefined) return te.toLowerCase().includes('chunked') && a.raw.endsWith('0\r\n\r\n');
  const length = a.headers['content-length'];
  if (length === undefined) return false;
  return Buffer.byteLength(a.raw.slice(a.raw.indexOf('\r\n\r\n') + 4), 'latin1') >= Number(length);
}
