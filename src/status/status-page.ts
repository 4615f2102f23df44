import { createHash } from 'node:crypto';

/**
 * The status page at `/`: one static HTML document with its CSS and JS inline, no build step and
 * no external asset, so it works offline and behind any proxy. Every 2 s it fetches `-/status`
 * (relative, so it also works when promgate is mounted under a path prefix) and renders it with
 * createElement/textContent only: nothing from the document is ever parsed as HTML. If a fetch
 * fails it keeps the last data, marks it stale, says "promgate unreachable" and keeps retrying.
 *
 * The script and style are pinned by hash in a Content-Security-Policy sent with the page
 * (STATUS_PAGE_CSP), so the browser itself refuses any other script, style, or connection than
 * to promgate.
 */

// The page script avoids template literals and backslashes: it lives inside one here.
const SCRIPT = `
(function () {
  'use strict';
  var REFRESH_MS = 2000;
  var TIMEOUT_MS = 5000;
  var SYMBOL = { up: '\u2714', out: '\u26a0', down: '\u2716' };
  var lastGood = null;

  function byId(id) { return document.getElementById(id); }

  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    return e;
  }

  function append(parent, children) {
    children.forEach(function (c) { if (c !== null && c !== undefined) parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return parent;
  }

  function num(n) { return typeof n === 'number' && isFinite(n) ? n : 0; }

  function fmtSeconds(s) {
    if (typeof s !== 'number' || !isFinite(s)) return '\u2014';
    if (s < 0.01) return (s * 1000).toFixed(1) + ' ms';
    if (s < 1) return Math.round(s * 1000) + ' ms';
    return s.toFixed(2) + ' s';
  }

  function fmtBytes(n) {
    n = num(n);
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? String(n) : n.toFixed(1)) + ' ' + units[i];
  }

  function fmtRatio(r) { return typeof r === 'number' && isFinite(r) ? (r * 100).toFixed(1) + ' %' : '\u2014'; }

  function fmtDuration(sec) {
    sec = Math.max(0, Math.floor(num(sec)));
    var d = Math.floor(sec / 86400), h = Math.floor(sec / 3600) % 24, m = Math.floor(sec / 60) % 60, s = sec % 60;
    if (d > 0) return d + 'd ' + h + 'h';
    if (h > 0) return h + 'h ' + m + 'm';
    if (m > 0) return m + 'm ' + s + 's';
    return s + 's';
  }

  /** A <time> with the local time and how long before the document it was; or the text as is. */
  function when(iso, nowMs) {
    if (typeof iso !== 'string') return el('span', '\u2014');
    var t = Date.parse(iso);
    if (!isFinite(t)) return el('span', iso);
    var sameDay = Math.abs(nowMs - t) < 86400000;
    var d = new Date(t);
    var text = sameDay ? d.toLocaleTimeString() : d.toLocaleString();
    if (isFinite(nowMs)) text += ' (' + fmtDuration((nowMs - t) / 1000) + ' ago)';
    return el('time', text, { datetime: iso });
  }

  function dl(target, rows) {
    target.replaceChildren();
    rows.forEach(function (r) { append(target, [el('dt', r[0]), append(el('dd'), [r[1]])]); });
  }

  function spans(list, nowMs) {
    if (!Array.isArray(list) || list.length === 0) return null;
    var ul = el('ul', null, { class: 'spans' });
    list.forEach(function (h) {
      append(ul, [append(el('li'), [when(h.start, nowMs), ' \u2192 ', when(h.end, nowMs)])]);
    });
    return ul;
  }

  function holesCell(r, nowMs) {
    var td = el('td');
    var holes = Array.isArray(r.holes) ? r.holes : [];
    var suspect = Array.isArray(r.suspect) ? r.suspect : [];
    if (holes.length === 0 && suspect.length === 0) td.appendChild(el('span', 'none known'));
    if (holes.length > 0) append(td, [el('div', holes.length + (holes.length === 1 ? ' hole:' : ' holes:')), spans(holes, nowMs)]);
    if (suspect.length > 0) append(td, [el('div', 'unverified, may hide a hole:'), spans(suspect, nowMs)]);
    if (typeof r.probedUntil === 'string') append(td, [el('div', 'verified until ', { class: 'muted' })]).lastChild.appendChild(when(r.probedUntil, nowMs));
    return td;
  }

  function stateCell(r) {
    var state = r.state === 'up' || r.state === 'out' || r.state === 'down' ? r.state : 'unknown';
    var td = el('td', null, { class: 'state state-' + state, 'data-state': state });
    append(td, [el('span', SYMBOL[state] || '?', { 'aria-hidden': 'true' }), ' ', el('strong', state)]);
    if (r.reason) append(td, [el('div', r.reason, { class: 'reason' })]);
    return td;
  }

  var COLUMNS = ['Replica', 'State', 'Breaker', 'In flight', 'Requests', 'Errors', 'Latency p50', 'Latency p99', 'Last failover', 'Known holes'];

  function groupTable(g, nowMs) {
    var replicas = Array.isArray(g.replicas) ? g.replicas : [];
    var span = replicas.length > 0 && replicas[0].windowSeconds ? ' over the last ' + replicas[0].windowSeconds + ' s' : '';
    var table = el('table', null, { class: 'replicas', 'data-group': g.name });
    table.appendChild(el('caption', 'Group ' + g.name + ': ' + num(g.up) + ' of ' + num(g.total) + ' replicas up. Requests, errors and latency' + span + '.'));
    var head = el('tr');
    COLUMNS.forEach(function (c) { head.appendChild(el('th', c, { scope: 'col' })); });
    append(table, [append(el('thead'), [head])]);
    var body = el('tbody');
    replicas.forEach(function (r) {
      var tr = el('tr', null, { 'data-replica': r.name });
      var errors = num(r.errors) + (num(r.requests) > 0 ? ' (' + fmtRatio(r.errorRatio) + ')' : '');
      var detail = [];
      if (num(r.timeouts)) detail.push(num(r.timeouts) + ' timeouts');
      if (num(r.connectionErrors)) detail.push(num(r.connectionErrors) + ' connection errors');
      if (num(r.replicaFaults)) detail.push(num(r.replicaFaults) + ' bad answers');
      if (num(r.breakerRejected)) detail.push(num(r.breakerRejected) + ' refused by breaker');
      var errorsCell = append(el('td', null, { class: 'num' }), [errors]);
      if (detail.length) errorsCell.appendChild(el('div', detail.join(', '), { class: 'reason' }));
      append(tr, [
        append(el('th', null, { scope: 'row' }), [el('span', r.name, { class: 'name' }), el('div', r.url, { class: 'url' })]),
        stateCell(r),
        el('td', String(r.breaker || '').replace('_', '-')),
        el('td', num(r.inFlight), { class: 'num' }),
        el('td', num(r.requests), { class: 'num' }),
        errorsCell,
        el('td', r.latency ? fmtSeconds(r.latency.p50) : '\u2014', { class: 'num' }),
        el('td', r.latency ? fmtSeconds(r.latency.p99) : '\u2014', { class: 'num' }),
        append(el('td'), [r.lastFailoverAt ? when(r.lastFailoverAt, nowMs) : 'never']),
        holesCell(r, nowMs),
      ]);
      body.appendChild(tr);
    });
    table.appendChild(body);
    return append(el('div', null, { class: 'scroll' }), [table]);
  }

  function render(doc) {
    var nowMs = Date.parse(doc.generatedAt);
    var p = doc.promgate || {};
    var reload = doc.reload || {};
    var reloadText = !reload.supported
      ? 'not available'
      : reload.lastReloadAt
        ? append(el('span'), [reload.lastReloadSuccessful ? 'succeeded ' : 'FAILED ', when(reload.lastReloadAt, nowMs)])
        : 'not reloaded since start';
    dl(byId('promgate'), [
      ['Version', String(p.version)],
      ['Up for', fmtDuration(p.uptimeSeconds)],
      ['Ready', p.ready ? 'yes' : p.draining ? 'no: shutting down' : 'no: no replica can take requests'],
      ['Draining', p.draining ? 'yes: shutting down' : 'no'],
      ['Last config reload', reloadText],
    ]);

    var groups = Array.isArray(doc.groups) ? doc.groups : [];
    byId('groups').replaceChildren.apply(byId('groups'), groups.map(function (g) { return groupTable(g, nowMs); }));

    var c = doc.cache || {};
    if (!c.enabled) dl(byId('cache'), [['Cache', 'off']]);
    else dl(byId('cache'), [
      ['Hit ratio', fmtRatio(c.hitRatio) + ' (' + num(c.hits) + ' hits, ' + num(c.misses) + ' misses, ' + num(c.partial) + ' partial, since start)'],
      ['Size', fmtBytes(c.bytes) + ' of ' + fmtBytes(c.maxBytes) + (c.fill === null ? '' : ' (' + fmtRatio(c.fill) + ')')],
      ['Entries', String(num(c.entries))],
    ]);

    var events = Array.isArray(doc.events) ? doc.events : [];
    var tbody = byId('events').tBodies[0];
    if (events.length === 0) {
      tbody.replaceChildren(append(el('tr'), [el('td', 'No events since start.', { colspan: 4 })]));
    } else {
      tbody.replaceChildren.apply(tbody, events.map(function (e) {
        return append(el('tr', null, { 'data-kind': e.kind }), [
          append(el('td'), [when(e.at, nowMs)]),
          el('td', String(e.kind).replace(/_/g, ' ')),
          el('td', e.replica === null || e.replica === undefined ? '\u2014' : e.replica),
          el('td', e.message),
        ]);
      }));
    }

    var up = groups.reduce(function (t, g) { return t + num(g.up); }, 0);
    var total = groups.reduce(function (t, g) { return t + num(g.total); }, 0);
    return up + ' of ' + total + ' replicas up';
  }

  /** The live region changes only when something worth announcing does, not on every refresh. */
  function say(text, ok) {
    var status = byId('conn');
    status.className = ok ? 'ok' : 'bad';
    if (status.textContent !== text) status.textContent = text;
  }

  function reachable(summary) {
    lastGood = new Date();
    document.body.setAttribute('data-reachable', 'true');
    byId('content').classList.remove('stale');
    say('Connected: ' + summary + '.', true);
    byId('updated').textContent = 'Updated ' + lastGood.toLocaleTimeString() + '; refreshes every ' + REFRESH_MS / 1000 + ' s.';
    document.title = 'promgate: ' + summary;
  }

  /** No answer at all: "promgate unreachable"; an answer that is not the status: "status unavailable". */
  function unreachable(answered, detail) {
    document.body.setAttribute('data-reachable', 'false');
    byId('content').classList.add('stale');
    say((answered ? 'promgate status unavailable' : 'promgate unreachable') + ' (' + detail + '). ' +
      (lastGood ? 'Showing data from ' + lastGood.toLocaleTimeString() + '. ' : '') +
      'Retrying every ' + REFRESH_MS / 1000 + ' s.', false);
    byId('updated').textContent = 'Last try ' + new Date().toLocaleTimeString() + '.';
    document.title = answered ? 'promgate: status unavailable' : 'promgate: unreachable';
  }

  function answeredWith(detail) {
    var err = new Error(detail);
    err.answered = true;
    return err;
  }

  function tick() {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    fetch('-/status', { cache: 'no-store', headers: { accept: 'application/json' }, signal: controller.signal })
      .then(function (res) {
        if (!res.ok) throw answeredWith('HTTP ' + res.status);
        return res.json().catch(function () { throw answeredWith('not JSON'); });
      })
      .then(function (body) {
        if (!body || body.status !== 'success' || !body.data) throw answeredWith('unexpected answer');
        var summary;
        try {
          summary = render(body.data);
        } catch (err) {
          throw answeredWith('cannot show it: ' + String((err && err.message) || err));
        }
        reachable(summary);
      })
      .catch(function (err) {
        var detail = err && err.name === 'AbortError' ? 'no answer in ' + TIMEOUT_MS / 1000 + ' s' : String((err && err.message) || err);
        unreachable(Boolean(err && err.answered), detail);
      })
      .then(function () {
        clearTimeout(timer);
        setTimeout(tick, REFRESH_MS);
      });
  }

  tick();
})();
`;

const STYLE = `
:root { color-scheme: light dark; --fg: #1f2328; --bg: #fff; --muted: #59636e; --line: #d1d9e0; --up: #116329; --out: #7d4e00; --down: #a40e26; --head: #f6f8fa; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #3d444d; --up: #56d364; --out: #e3b341; --down: #ff7b72; --head: #151b23; } }
body { font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; padding: 1rem 1.5rem 3rem; max-width: 110rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
#updated { margin: .2rem 0 0; }
#conn { margin: 0; padding: .4rem .6rem; border-radius: 4px; border: 1px solid var(--line); }
#conn.bad { border-color: var(--down); color: var(--down); font-weight: 600; }
.stale { opacity: .55; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2rem 1.2rem; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
caption { text-align: left; color: var(--muted); padding: .25rem 0; }
th, td { text-align: left; vertical-align: top; padding: .35rem .6rem; border-bottom: 1px solid var(--line); }
thead th { background: var(--head); white-space: nowrap; }
td.num { text-align: right; white-space: nowrap; }
th .url { font-family: ui-monospace, monospace; font-size: .85em; font-weight: normal; color: var(--muted); overflow-wrap: anywhere; }
.state { white-space: nowrap; }
.state-up { color: var(--up); }
.state-out { color: var(--out); }
.state-down { color: var(--down); }
.reason, .muted { color: var(--muted); font-size: .9em; white-space: normal; }
ul.spans { margin: .1rem 0 .3rem; padding-left: 1.1rem; font-size: .9em; }
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>promgate status</title>
<style>${STYLE}</style>
</head>
<body data-reachable="unknown">
<header>
<h1>promgate status</h1>
<p id="conn" role="status" aria-live="polite">Loading status…</p>
<p id="updated" class="muted"></p>
<noscript><p>This page needs JavaScript to refresh. The same data is at <a href="-/status">-/status</a>, as JSON.</p></noscript>
</header>
<main id="content">
<section aria-labelledby="h-promgate">
<h2 id="h-promgate">promgate</h2>
<dl id="promgate"></dl>
</section>
<section aria-labelledby="h-replicas">
<h2 id="h-replicas">Replicas</h2>
<div id="groups"></div>
</section>
<section aria-labelledby="h-cache">
<h2 id="h-cache">Cache</h2>
<dl id="cache"></dl>
</section>
<section aria-labelledby="h-events">
<h2 id="h-events">Recent events</h2>
<div class="scroll">
<table id="events">
<caption>Replicas going down and up, circuit breakers, failovers and config reloads; newest first.</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Replica</th><th scope="col">Details</th></tr></thead>
<tbody></tbody>
</table>
</div>
</section>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;

/** Only the page's own script and style run; it may only fetch from promgate; nothing may frame it. */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
