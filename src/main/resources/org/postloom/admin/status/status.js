// Postloom's status page: reads the admin plane's own JSON endpoints and /metrics, and shows every
// value through textContent (never parsed as HTML), so a hostile reply or subject stays text.
'use strict';

const TOKEN_KEY = 'postloom.admin.token';
const REFRESH_MS = 2000;
const $ = (id) => document.getElementById(id);

let previous = null; // the counters of the last refresh, for rates
let timer = null;

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

async function api(path, init = {}) {
  const headers = new Headers(init.headers || {});
  const t = token();
  if (t) headers.set('Authorization', 'Bearer ' + t);
  const response = await fetch(path, { ...init, headers, cache: 'no-store' });
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin('The token was refused.');
    throw new Error('unauthorized');
  }
  return response;
}

async function json(path) {
  const response = await api(path);
  if (!response.ok) throw new Error(path + ': HTTP ' + response.status);
  return response.json();
}

// ---- Prometheus text format: name{labels} value ----

function parseMetrics(text) {
  const samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const l of (m[3] || '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    if (!samples.has(m[1])) samples.set(m[1], []);
    samples.get(m[1]).push({ labels, value: Number(m[4]) });
  }
  return samples;
}

/** The sum of a metric's samples whose labels include `match`; null when the relay has no such metric. */
function sum(samples, name, match = {}) {
  const list = samples.get(name);
  if (!list) return null;
  return list.filter((s) => Object.entries(match).every(([k, v]) => s.labels[k] === v))
    .reduce((total, s) => total + s.value, 0);
}

// ---- formatting ----

function count(n) {
  return n === null ? 'n/a' : Math.round(n).toLocaleString('en');
}

function perSecond(n) {
  return n === null ? '–' : n.toFixed(1);
}

function bytes(n) {
  if (n === null) return 'n/a';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
}

function age(seconds) {
  if (seconds === null) return 'n/a';
  if (seconds < 120) return Math.round(seconds) + ' s';
  if (seconds < 7200) return Math.round(seconds / 60) + ' min';
  return (seconds / 3600).toFixed(1) + ' h';
}

function instant(text) {
  return text ? new Date(text).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
}

/** Shows `text` in the element and keeps the raw number beside it, for tests and for copying. */
function show(id, text, raw) {
  const e = $(id);
  e.textContent = text;
  if (raw === null || raw === undefined) e.removeAttribute('data-value');
  else e.dataset.value = String(raw);
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text === null || text === undefined ? '' : String(text);
  if (className) td.className = className;
  return td;
}

function fill(tableId, emptyId, rows) {
  $(tableId).tBodies[0].replaceChildren(...rows);
  $(emptyId).hidden = rows.length > 0;
}

// ---- the sections ----

function overview(samples, now) {
  const counters = {
    in: sum(samples, 'postloom_messages_queued_total'),
    out: sum(samples, 'postloom_delivery_recipients_total', { result: 'delivered' }),
    bounced: sum(samples, 'postloom_delivery_recipients_total', { result: 'bounced' }),
  };
  if (previous) {
    const seconds = (now - previous.at) / 1000;
    for (const [key, value] of Object.entries(counters)) {
      const rate = value === null || previous[key] === null ? null : Math.max(0, value - previous[key]) / seconds;
      show('rate-' + key, perSecond(rate), rate);
    }
  }
  previous = { ...counters, at: now };
  const depth = sum(samples, 'postloom_queue_messages');
  show('queue-depth', count(depth), depth);
  const oldest = sum(samples, 'postloom_queue_oldest_seconds');
  show('queue-oldest', age(oldest), oldest);
  const disk = sum(samples, 'postloom_spool_disk_bytes');
  show('spool-disk', bytes(disk), disk);
  const open = sum(samples, 'postloom_smtp_connections_open');
  show('smtp-open', count(open), open);
  const backlogs = samples.get('postloom_events_backlog') || [];
  show('event-backlog', backlogs.length === 0 ? 'no sinks'
    : backlogs.map((s) => s.labels.sink + ' ' + count(s.value)).join(', '),
  backlogs.length === 0 ? null : backlogs.reduce((t, s) => t + s.value, 0));
}

function button(label, action) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.addEventListener('click', action);
  return b;
}

async function siteOrder(site, verb) {
  const query = verb === 'suspend' ? '?for=' + encodeURIComponent($('suspend-for').value) : '';
  const response = await api('/sites/' + encodeURIComponent(site) + '/' + verb + query, { method: 'POST' });
  if (!response.ok) problem(verb + ' ' + site + ': ' + ((await response.json()).error || response.status));
  await refresh();
}

function sites(list) {
  const rows = [];
  for (const site of list) {
    for (const path of site.paths) {
      const tr = document.createElement('tr');
      tr.dataset.site = site.site;
      tr.dataset.source = path.source;
      if (path.suspended_until) tr.className = 'suspended';
      else if (path.throttled_until) tr.className = 'throttled';
      tr.append(cell(site.site), cell((site.domains || []).join(', ')), cell(path.source || '(default)'),
        cell(path.connections, 'num connections'), cell(path.ready, 'num ready'), cell(path.deferred, 'num deferred'),
        cell(path.rate || '', 'rate'), cell(instant(path.suspended_until), 'suspended-until'),
        cell(instant(path.throttled_until), 'throttled-until'), cell(site.last_error, 'reply last-error'));
      const actions = document.createElement('td');
      actions.append(button('Suspend', () => siteOrder(site.site, 'suspend')),
        button('Resume', () => siteOrder(site.site, 'resume')));
      tr.append(actions);
      rows.push(tr);
    }
  }
  fill('sites', 'sites-empty', rows);
}

function bounces(list) {
  fill('bounces', 'bounces-empty', list.map((e) => {
    const tr = document.createElement('tr');
    const subject = e.headers ? Object.entries(e.headers).find(([k]) => k.toLowerCase() === 'subject') : undefined;
    tr.append(cell(instant(e.time)), cell(e.queue_id), cell(e.recipient), cell(e.site), cell(e.bounce_class, 'class'),
      cell(e.status), cell(e.reply, 'reply'), cell(subject ? subject[1] : '', 'subject'));
    return tr;
  }));
}

async function lookUp(event) {
  event.preventDefault();
  const id = $('queue-id').value.trim();
  const response = await api('/messages/' + encodeURIComponent(id));
  $('message').hidden = !response.ok;
  $('message-missing').hidden = response.ok;
  if (!response.ok) {
    $('message-missing').textContent = 'No queued message ' + id + ' (delivered messages leave the spool).';
    return;
  }
  const m = await response.json();
  const fields = [['Queue id', m.id], ['Sender', m.sender || '<>'], ['Arrival', instant(m.arrival)], ['Size', bytes(m.size)],
    ['Client', m.client], ['TLS', m.tls || 'none'], ['Tenant', m.tenant || '']];
  $('message-fields').replaceChildren(...fields.flatMap(([name, value]) => {
    const dt = document.createElement('dt');
    dt.textContent = name;
    const dd = document.createElement('dd');
    dd.textContent = value === null || value === undefined ? '' : String(value);
    return [dt, dd];
  }));
  $('message-recipients').tBodies[0].replaceChildren(...m.recipients.map((r) => {
    const tr = document.createElement('tr');
    tr.append(cell(r.address), cell(r.state, 'state'), cell(instant(r.nextAttempt)), cell(r.reply, 'reply'));
    return tr;
  }));
}

// ---- the loop ----

function problem(text) {
  $('problem').textContent = text;
  $('problem').hidden = !text;
}

/** Each section on its own: one that fails (a busy scheduler, say) leaves the others fresh. */
async function refresh() {
  const now = Date.now();
  const parts = [
    ['metrics', api('/metrics').then((r) => r.text()), (text) => overview(parseMetrics(text), now)],
    ['sites', json('/sites'), sites],
    ['bounces', json('/events/recent?type=bounce&limit=20'), bounces],
  ];
  const results = await Promise.allSettled(parts.map(([, promise]) => promise));
  const failures = [];
  results.forEach((result, i) => {
    if (result.status === 'fulfilled') parts[i][2](result.value);
    else if (result.reason.message !== 'unauthorized') failures.push(parts[i][0] + ': ' + result.reason.message);
  });
  if (results.some((r) => r.status === 'rejected' && r.reason.message === 'unauthorized')) return;
  $('updated').textContent = 'updated ' + new Date(now).toLocaleTimeString('en-GB');
  $('updated').dataset.refreshed = String(now);
  problem(failures.length ? 'Could not refresh ' + failures.join('; ') : '');
}

function start() {
  $('login').hidden = true;
  $('status').hidden = false;
  $('logout').hidden = !token();
  refresh();
  if (timer === null) timer = setInterval(refresh, REFRESH_MS);
}

function showLogin(why) {
  if (timer !== null) clearInterval(timer);
  timer = null;
  previous = null;
  $('status').hidden = true;
  $('logout').hidden = true;
  $('login').hidden = false;
  problem(why || '');
}

async function init() {
  $('login').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value);
    $('token').value = '';
    start();
  });
  $('logout').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin('');
  });
  $('lookup').addEventListener('submit', (event) => lookUp(event).catch((e) => problem(e.message)));
  // Whether the admin plane wants a token at all: asked first, so a page without one makes no refused request.
  const auth = await (await fetch('/status/auth', { cache: 'no-store' })).json();
  if (auth.token_required && !token()) showLogin('');
  else start();
}

init();
