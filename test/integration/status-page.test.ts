// The status page in a real browser, in front of real replicas: headless Chromium (Debian's
// `chromium` package, driven by puppeteer-core) opens promgate's `/`, sees both replicas up, sees
// one go down when its process is frozen with SIGSTOP and come back on SIGCONT, finds both in the
// event list, and sees "promgate unreachable" once promgate is gone. Along the way: the page
// loads nothing but itself and /-/status, logs no error (a CSP violation would be one), and shows
// a replica named like an HTML injection as text.
//
// Needs `prometheus`, `promtool` and `chromium` (override the path with PROMGATE_CHROMIUM). A
// missing binary fails the test, never skips it (see test/helpers/require-prometheus.ts).

import { accessSync, constants } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app.js';
import { parseConfigText } from '../../src/config/index.js';
import { startReplicas, type ReplicaCluster } from '../helpers/cluster.js';
import type { PrometheusHandle } from '../helpers/prometheus.js';
import { requirePrometheus } from '../helpers/require-prometheus.js';

// The page's DOM, as far as the functions below (run in the browser by puppeteer) use it: the
// project's TypeScript has no DOM library.
interface DomElement {
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
  readonly textContent: string | null;
}
declare const document: DomElement & { readonly body: DomElement; readonly title: string };
declare const window: { readonly pwned?: unknown };

const CHROMIUM = process.env.PROMGATE_CHROMIUM ?? '/usr/bin/chromium';
/** A replica name that would run code if the page ever parsed data as HTML. */
const HOSTILE = 'a<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
const B = 'b';
// Checks every 500 ms, out after 2 failed and back after 2 passed: the page (polling every 2 s)
// shows a change within a few seconds.
const GATEWAY_YAML = 'health_check: {interval: 500ms, timeout: 400ms, fall: 2, rise: 2}';
const CHANGE_TIMEOUT_MS = 20_000;

function requireChromium(): string {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return CHROMIUM;
  } catch {
    const how = 'Install it (Debian/Ubuntu: `apt-get install -y chromium`) or set PROMGATE_CHROMIUM to a Chromium binary.';
    if (process.env.CI === 'true') throw new Error(`CI: ${CHROMIUM} not found; the status page test cannot run. ${how}`);
    throw new Error(`${CHROMIUM} not found; the status page test needs a real headless Chromium. ${how}`);
  }
}

let cluster: ReplicaCluster | undefined;
let b: PrometheusHandle | undefined;
let app: App | undefined;
let gatewayUrl = '';
let browser: Browser | undefined;
let page: Page;
const requested: string[] = [];
const consoleErrors: string[] = [];

beforeAll(async () => {
  requirePrometheus();
  const executablePath = requireChromium();
  cluster = await startReplicas(2);
  const [a, second] = cluster.replicas as [PrometheusHandle, PrometheusHandle];
  b = second;
  const yaml = [
    'listen_address: 127.0.0.1:0',
    'log_level: silent',
    GATEWAY_YAML,
    'replicas:',
    // JSON is YAML: the hostile name needs no escaping of our own.
    `  - {url: ${JSON.stringify(a.url)}, name: ${JSON.stringify(HOSTILE)}}`,
    `  - {url: ${JSON.stringify(b.url)}, name: ${B}}`,
  ].join('\n');
  app = buildApp(parseConfigText(yaml));
  await app.start();
  gatewayUrl = await app.listen();
  browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  page = await browser.newPage();
  page.on('request', (req) => requested.push(req.url()));
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${String(err)}`));
});

afterAll(async () => {
  await browser?.close();
  try {
    b?.kill('SIGCONT');
  } catch {
    // not running
  }
  await app?.close();
  await cluster?.stopAll();
});

/** What the page shows for a replica: the state in words (and its data-state, which must agree). */
async function shownState(name: string): Promise<string | undefined> {
  return page.evaluate((n: string) => {
    const rows = Array.from(document.querySelectorAll('tr[data-replica]'));
    const cell = rows.find((r) => r.getAttribute('data-replica') === n)?.querySelector('td[data-state]');
    if (!cell) return undefined;
    const words = cell.querySelector('strong')?.textContent ?? '';
    return words === cell.getAttribute('data-state') ? words : `mismatch: ${words} / ${cell.getAttribute('data-state')}`;
  }, name);
}

async function untilShown(name: string, state: string): Promise<number> {
  const started = performance.now();
  try {
    await page.waitForFunction(
      (n: string, s: string) => {
        const rows = Array.from(document.querySelectorAll('tr[data-replica]'));
        const cell = rows.find((r) => r.getAttribute('data-replica') === n)?.querySelector('td[data-state]');
        return cell?.getAttribute('data-state') === s && cell.querySelector('strong')?.textContent === s;
      },
      { timeout: CHANGE_TIMEOUT_MS, polling: 100 },
      name,
      state,
    );
  } catch (err) {
    throw new Error(`the page did not show ${name} ${state} within ${CHANGE_TIMEOUT_MS}ms (shows ${await shownState(name)}; ${await page.evaluate(() => document.querySelector('#conn')?.textContent)})`, { cause: err });
  }
  return performance.now() - started;
}

/** Events listed on the page, as [kind, replica, details] in the order shown. */
async function shownEvents(): Promise<string[][]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('#events tbody tr[data-kind]')).map((tr) => [
      tr.getAttribute('data-kind') ?? '',
      ...Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? ''),
    ]),
  );
}

describe('the status page in headless Chromium', () => {
  it('shows both replicas up, one going down on SIGSTOP and back on SIGCONT, and lists both events', async () => {
    await page.goto(`${gatewayUrl}/`, { waitUntil: 'load' });
    await untilShown(HOSTILE, 'up');
    await untilShown(B, 'up');
    expect(await page.evaluate(() => document.body.getAttribute('data-reachable'))).toBe('true');
    expect(await page.evaluate(() => document.querySelector('#conn')?.textContent)).toBe('Connected: 2 of 2 replicas up.');
    expect(await page.evaluate(() => document.title)).toBe('promgate: 2 of 2 replicas up');

    // Data is text: the hostile name is shown as written, and nothing in it ran or became markup.
    const names = await page.evaluate(() => Array.from(document.querySelectorAll('tr[data-replica] th .name')).map((th) => th.textContent));
    expect(names).toEqual([HOSTILE, B]);
    expect(await page.evaluate(() => document.querySelectorAll('img').length)).toBe(0);
    expect(await page.evaluate(() => document.querySelectorAll('script').length)).toBe(1);
    expect(await page.evaluate(() => window.pwned)).toBeUndefined();

    b!.kill('SIGSTOP');
    let downAfterMs: number;
    try {
      downAfterMs = await untilShown(B, 'down');
      // The other replica is untouched.
      expect(await shownState(HOSTILE)).toBe('up');
      expect(await page.evaluate(() => document.querySelector('#conn')?.textContent)).toBe('Connected: 1 of 2 replicas up.');
    } finally {
      b!.kill('SIGCONT');
    }
    const upAfterMs = await untilShown(B, 'up');
    console.log(`status page: ${B} shown down ${(downAfterMs / 1000).toFixed(1)}s after SIGSTOP, up ${(upAfterMs / 1000).toFixed(1)}s after SIGCONT`);

    await page.waitForFunction(
      (n: string) => {
        const rows = Array.from(document.querySelectorAll('#events tbody tr[data-kind]'));
        const has = (kind: string) => rows.some((tr) => tr.getAttribute('data-kind') === kind && tr.querySelectorAll('td')[2]?.textContent === n);
        return has('replica_down') && has('replica_up');
      },
      { timeout: CHANGE_TIMEOUT_MS, polling: 100 },
      B,
    );
    const events = await shownEvents();
    const down = events.findIndex(([kind, , , replica]) => kind === 'replica_down' && replica === B);
    const up = events.findIndex(([kind, , , replica]) => kind === 'replica_up' && replica === B);
    // Newest first, in words.
    expect(up).toBeLessThan(down);
    expect(events[down]![2]).toBe('replica down');
    expect(events[up]![2]).toBe('replica up');

    if (process.env.PROMGATE_STATUS_SCREENSHOT) await page.screenshot({ path: process.env.PROMGATE_STATUS_SCREENSHOT, fullPage: true });

    // Nothing but the page itself and its JSON was loaded (no external asset; the icon is a data: URL).
    const origin = new URL(gatewayUrl).origin;
    const elsewhere = requested.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:'));
    expect(elsewhere).toEqual([]);
    expect(new Set(requested.filter((u) => !u.startsWith('data:')).map((u) => new URL(u).pathname))).toEqual(new Set(['/', '/-/status']));
    expect(consoleErrors).toEqual([]);
  }, 120_000);

  it('says "promgate unreachable" when promgate is gone, keeps the last data and keeps retrying', async () => {
    const before = requested.length;
    await app!.close();
    app = undefined;
    await page.waitForFunction(() => document.body.getAttribute('data-reachable') === 'false', { timeout: CHANGE_TIMEOUT_MS, polling: 100 });
    expect(await page.evaluate(() => document.querySelector('#conn')?.textContent)).toMatch(/^promgate unreachable \(.+\)\. Showing data from .+\. Retrying every 2 s\.$/);
    expect(await page.evaluate(() => document.title)).toBe('promgate: unreachable');
    // The last data stays, marked stale.
    expect(await shownState(B)).toBe('up');
    expect(await page.evaluate(() => document.querySelector('#content.stale') !== null)).toBe(true);
    // Still trying, every 2 s.
    await sleep(4_500);
    const retries = requested.slice(before).filter((u) => u.endsWith('/-/status'));
    expect(retries.length).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
