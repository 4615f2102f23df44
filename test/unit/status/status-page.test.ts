import { createHash } from 'node:crypto';
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { STATUS_PAGE_CSP, STATUS_PAGE_HTML } from '../../../src/status/status-page.js';

// What the page does in a browser is proven in test/integration/status-page.test.ts (headless
// Chromium against real replicas); these check what can be read off the text.

const between = (tag: string) => {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(STATUS_PAGE_HTML);
  if (!m) throw new Error(`no <${tag}>`);
  return m[1]!;
};
const script = between('script');
const style = between('style');
const hash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

describe('the status page', () => {
  it('is one document with a single inline script and style', () => {
    expect(STATUS_PAGE_HTML.startsWith('<!doctype html>')).toBe(true);
    expect(STATUS_PAGE_HTML.match(/<script/g)).toHaveLength(1);
    expect(STATUS_PAGE_HTML.match(/<style/g)).toHaveLength(1);
    expect(STATUS_PAGE_HTML).toContain('<html lang="en">');
  });

  it('loads nothing from anywhere: no src, no external href, no @import or url() in the style', () => {
    expect(STATUS_PAGE_HTML).not.toMatch(/\ssrc=/i);
    const hrefs = [...STATUS_PAGE_HTML.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(hrefs.sort()).toEqual(['-/status', 'data:,']);
    expect(style).not.toMatch(/@import|url\(/i);
    expect(script).not.toMatch(/https?:\/\//);
  });

  it('renders with textContent only: nothing in the script parses data as HTML or code', () => {
    for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function', 'setTimeout(\'', 'setAttribute(\'on', 'href', 'src']) {
      expect(script, sink).not.toContain(sink);
    }
    expect(script).toContain('textContent');
  });

  it('polls -/status every 2 s, relative to where the page is (so a path prefix keeps working), and says when it gets no status', () => {
    expect(script).toContain("fetch('-/status'");
    expect(script).toContain('REFRESH_MS = 2000');
    expect(script).toContain('promgate unreachable');
    expect(script).toContain('promgate status unavailable');
  });

  it('the script is valid JavaScript', () => {
    expect(() => new Script(script)).not.toThrow();
  });

  it('every element the script looks up by id is on the page', () => {
    const ids = [...script.matchAll(/byId\('([^']+)'\)/g)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of new Set(ids)) expect(STATUS_PAGE_HTML, id).toContain(`id="${id}"`);
  });

  it('its CSP allows exactly its own script and style (by hash), connections to promgate only, and no framing', () => {
    const directives = Object.fromEntries(STATUS_PAGE_CSP.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    expect(directives).toEqual({
      'default-src': "'none'",
      'script-src': hash(script),
      'style-src': hash(style),
      'connect-src': "'self'",
      'img-src': 'data:',
      'base-uri': "'none'",
      'form-action': "'none'",
      'frame-ancestors': "'none'",
    });
  });

  it('tables have captions and column headers with scope, for screen readers', () => {
    expect(STATUS_PAGE_HTML).toContain('<caption>');
    expect(STATUS_PAGE_HTML).toContain('<th scope="col">');
    expect(script).toContain("el('caption'");
    expect(script).toContain("scope: 'col'");
    expect(script).toContain("scope: 'row'");
    expect(STATUS_PAGE_HTML).toContain('role="status"');
  });
});
