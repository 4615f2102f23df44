import type { Socket } from 'node:net';
import type { ConnectionError } from 'fastify';
import type { PrometheusErrorBody } from '../errors/prometheus-body.js';

/**
 * Requests Node's parser rejects before any handler runs (headers past the server's limit,
 * malformed request lines) still get a JSON error in Prometheus's shape, then the connection closes.
 * A request line that alone does not fit is a URI that is too long (414); otherwise the headers are (431).
 */
export function buildClientErrorHandler(maxUrlBytes: number) {
  return (err: ConnectionError, socket: Socket): void => {
    if (!socket.writable || (socket as Socket & { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    let status = 400;
    let message = `bad request: ${err.code ?? 'malformed'}`;
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      const packet: unknown = err.rawPacket;
      const lineEnd = Buffer.isBuffer(packet) ? packet.indexOf('\r\n') : -1;
      const uriTooLong = lineEnd < 0 || lineEnd > maxUrlBytes;
      status = uriTooLong ? 414 : 431;
      message = uriTooLong ? 'request URI is longer than limits.max_url_bytes' : 'request headers are larger than limits.max_header_bytes';
    } else if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
      socket.destroy();
      return;
    }
    const body: PrometheusErrorBody = { status: 'error', errorType: 'bad_data', error: message };
    const json = JSON.stringify(body);
    socket.end(
      `HTTP/1.1 ${status} ${status === 414 ? 'URI Too Long' : status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
    );
  };
}
