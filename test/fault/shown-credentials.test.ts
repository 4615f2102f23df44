// Review of f9ce423: shown() strips `user:password@` only when the text starts with `scheme://` and
// the password holds no `/`, `?` or `#`. Other spellings that carry a password still echo it.
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';

function messageFor(url: string): string {
  try {
    parseConfigText(`replicas: [{url: ${JSON.stringify(url)}}]`);
  } catch (err) {
    return (err as Error).message;
  }
  return '<accepted>';
}

describe('a replica URL with a password is never echoed', () => {
  it.each([
    ['slash in the password (not %-encoded)', 'http://admin:hunter2/x@127.0.0.1:9090'],
    ['# in the password', 'http://admin:hunter2#x@127.0.0.1:9090'],
    ['? in the password', 'http://admin:hunter2?x@127.0.0.1:9090'],
    ['no slashes after the scheme (WHATWG still parses credentials)', 'http:admin:hunter2@127.0.0.1:9090'],
    ['backslashes for slashes', 'http:\\\\admin:hunter2@127.0.0.1:9090'],
    ['leading space', ' http://admin:hunter2@127.0.0.1:9090'],
    ['no scheme at all ("admin:" read as a scheme)', 'admin:hunter2@127.0.0.1:9090'],
    ['scheme-relative', '//admin:hunter2@127.0.0.1:9090'],
  ])('%s', (_why, url) => {
    const message = messageFor(url);
    expect(message).not.toBe('<accepted>');
    expect(message).not.toContain('hunter2');
  });
});
