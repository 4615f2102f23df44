import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { PrometheusErrorBody } from '../errors/index.js';

/**
 * CONNECT never reaches a route (Node emits it on the server, and drops the socket when nobody
 * listens). promgate tunnels nowhere: it answers a JSON 405 and closes.
 */
export function refuseConnect(onRefused: (reason: string) => void) {
  return (_req: IncomingMessage, socket: Duplex): void => {
    onRefused('connect');
    const body: PrometheusErrorBody = { status: 'error', errorType: 'bad_data', error: 'promgate does not tunnel: CONNECT is not allowed' };
    const json = JSON.stringify(body);
    socket.on('error', () => socket.destroy());
    socket.end(`HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD, POST, OPTIONS\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`);
  };
}
