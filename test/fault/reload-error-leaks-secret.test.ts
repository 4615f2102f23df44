// Review of #10/#10's TLS-auth work: a reload that fails because a replica URL carries credentials
// echoes the URL, password included, in the 500 answer of POST /-/reload (and in the error log
// line). app.ts keeps the reason out of the status page's events for exactly this reason.
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { parseConfigText } from '../../src/config/index.js';

describe('POST /-/reload with a bad file', () => {
  it('does not echo a password written into a replica URL', async () => {
    const yaml = (url: string) => ['listen_address: 127.0.0.1:0', 'log_level: silent', `replicas: [{url: "${url}"}]`, 'ha: {enabled: false}'].join('\n');
    const app = buildApp(parseConfigText(yaml('http://127.0.0.1:1')), {
      enableLifecycle: true,
      loadConfig: async () => parseConfigText(yaml('http://admin:hunter2@127.0.0.1:1')),
    });
    const res = await app.server.inject({ method: 'POST', url: '/-/reload' });
    await app.close();
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('hunter2');
  });

  it('check-config/startup messages do not quote it either', () => {
    let message = '';
    try {
      parseConfigText('replicas: [{url: "http://admin:hunter2@127.0.0.1:1"}]');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/credentials/);
    expect(message).not.toContain('hunter2');
  });
});
