// The playground's script: runs the pasted lines through the web build of
// the logsift package with the host loop every logsift host uses (process,
// summaries, a timer tick once a second of log time, finish at the end), on
// a replay clock, and renders what came out.
//
// Which detector redacted what: every redaction is counted per detector by
// the engine, so each line's counts are the difference of `stats()` around
// it; `mask` and `hash` write the detector's tag (`[EMAIL_ADDRESS]`,
// `[IP_ADDRESS:1f0c…]`, `[REDACTED]` for key rules), which is highlighted in
// place; `partial` output (`**** **** **** 1111`) is given to the detector
// whose count is not explained by a tag on that line.

import init, { Pipeline } from '../pkg/web/logsift_js.js';

const $ = (id) => document.getElementById(id);

const FALLBACK_CONFIG = { scrub: { preset: 'strict' } };
const KEY_RULE = 'SENSITIVE_KEY';
// Built-in detectors and their colours (distinct hues, light enough for text).
const PALETTE = {
  EMAIL_ADDRESS: '#ffadad', CREDIT_CARD: '#9bf6ff', IP_ADDRESS: '#d0bfff', [KEY_RULE]: '#fdffb6',
  PHONE_NUMBER: '#caffbf', US_SSN: '#ffc6ff', IBAN_CODE: '#ffd6a5', JWT: '#a0c4ff',
  BEARER_TOKEN: '#e2b6a1', AWS_ACCESS_KEY: '#b5e48c', GITHUB_TOKEN: '#c9c9c9', STRIPE_KEY: '#f4a6c6',
  SLACK_TOKEN: '#8ecae6', GOOGLE_API_KEY: '#ffe066', PRIVATE_KEY: '#ff8fa3', URL_CREDENTIALS: '#80ffdb',
};
const DETECTORS = Object.keys(PALETTE);
const DEMO_LINES = [
  '{"event": "login_failed", "username": "jose.muller@example.com", "ip_address": "203.0.113.7", "level": "WARN", "password": "hunter2"}',
  '{"event": "payment_failed", "level": "error", "card": "4111 1111 1111 1111", "amount": 42.5}',
  'Nov 24 16:00:01 web-1 sshd[811]: Failed password for invalid user admin from 198.51.100.23 port 52144 ssh2',
];

const TAG = /\[([A-Z][A-Z0-9_]*)(?::[0-9a-f]+)?\]/g;
const PARTIAL = /\*{2,}(?:[ .\-_@:/]?\*+)*(?:[ .\-_@]?[A-Za-z0-9]+)?/g;

function colour(name) {
  if (PALETTE[name]) return PALETTE[name];
  // Custom detectors and tags: a stable hue from the name.
  const h = [...name].reduce((acc, c) => (acc * 31 + c.charCodeAt(0)) >>> 0, 7);
  return `hsl(${h % 360} 70% 80%)`;
}

/** Tag written in output → detector name, from the config's own `tag` overrides. */
function tagNames(config) {
  const map = new Map([['REDACTED', KEY_RULE]]);
  const scrub = (config && config.scrub) || {};
  for (const [name, action] of Object.entries(scrub.actions || {})) {
    if (action && action.tag) map.set(action.tag, name);
  }
  for (const d of scrub.detectors || []) {
    if (d && typeof d === 'object' && d.tag) map.set(d.tag, d.name);
  }
  for (const c of scrub.custom || []) {
    if (c && c.tag) map.set(c.tag, c.name);
  }
  for (const k of scrub.keys || []) {
    if (k && typeof k === 'object' && k.tag) map.set(k.tag, KEY_RULE);
  }
  return map;
}

function mark(text, detector) {
  const m = document.createElement('mark');
  m.className = 'redaction';
  m.dataset.detector = detector;
  m.title = detector;
  m.style.setProperty('--c', colour(detector));
  m.textContent = text;
  return m;
}

/** The record's text with each redaction wrapped in a `mark` for its detector. */
function renderRecord(text, counts, tags) {
  const spans = [];
  const byTag = new Map();
  for (const m of text.matchAll(TAG)) {
    const detector = tags.get(m[1]) || m[1];
    if (!(detector in counts) && !tags.has(m[1]) && !DETECTORS.includes(detector)) continue;
    spans.push({ start: m.index, end: m.index + m[0].length, detector });
    byTag.set(detector, (byTag.get(detector) || 0) + 1);
  }
  const unexplained = Object.entries(counts).filter(([d, n]) => n > (byTag.get(d) || 0)).map(([d]) => d);
  const partialOwner = unexplained.length === 1 ? unexplained[0] : 'partial';
  for (const m of text.matchAll(PARTIAL)) {
    const start = m.index;
    const end = start + m[0].length;
    if (!spans.some((s) => start < s.end && s.start < end)) spans.push({ start, end, detector: partialOwner });
  }
  spans.sort((a, b) => a.start - b.start);
  const code = document.createElement('code');
  code.className = 'out';
  let at = 0;
  for (const s of spans) {
    code.append(text.slice(at, s.start), mark(text.slice(s.start, s.end), s.detector));
    at = s.end;
  }
  code.append(text.slice(at));
  return code;
}

const DECISIONS = {
  kept: 'kept',
  kept_for_alert: 'kept (alert)',
  sampled: 'sampled',
  rate_limited: 'rate limited',
  rule: 'dropped by rule',
  summary: 'summary',
};

function row(n, decision, content, detectors) {
  const r = document.createElement('div');
  r.className = 'row';
  r.dataset.decision = decision;
  const num = document.createElement('span');
  num.className = 'n';
  num.textContent = n;
  const d = document.createElement('span');
  d.className = 'decision';
  d.textContent = DECISIONS[decision];
  const chips = document.createElement('span');
  chips.className = 'chips';
  for (const [name, count] of Object.entries(detectors || {})) {
    const c = document.createElement('span');
    c.className = 'chip';
    c.style.setProperty('--c', colour(name));
    c.textContent = count > 1 ? `${name} ×${count}` : name;
    chips.append(c);
  }
  r.append(num, d, content, chips);
  return r;
}

function diffCounts(before, after) {
  const out = {};
  for (const [name, n] of Object.entries(after)) {
    const d = n - (before[name] || 0);
    if (d > 0) out[name] = d;
  }
  return out;
}

function lines(text) {
  return text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)).filter((l) => l.length > 0);
}

function readClock() {
  const startMs = Date.parse($('start').value);
  const step = Number($('step').value);
  if (!Number.isFinite(startMs) || !Number.isFinite(step) || step < 0) {
    throw new Error('clock: the start must be an RFC 3339 time and the step a number of seconds ≥ 0');
  }
  return { start: startMs / 1000, step };
}

function readSeed() {
  const text = $('seed').value.trim();
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(text)) throw new Error('seed: an integer (decimal or 0x…)');
  return BigInt(text);
}

/** Runs every line; returns what the page shows. */
function runAll(configText, input, clock, seed) {
  let now = 0n;
  const p = new Pipeline(configText, { now: () => now, seed, autoTick: false });
  const rows = [];
  const signals = [];
  let lastTick = 0n;
  let before = p.stats();
  const collect = () => {
    for (const text of p.emitted()) rows.push({ decision: 'summary', text, counts: {} });
    for (const s of p.signals()) signals.push({ ...s, at: Number(now / 1_000_000n) });
  };
  lines(input).forEach((line, i) => {
    // The replay clock of `logsift run --replay-step` (host-test Clock::Replay).
    now = BigInt(Math.trunc((clock.start + clock.step * i) * 1e9));
    const r = p.processDetailed(line);
    const after = p.stats();
    let decision = r.dropped || 'kept';
    if (!r.dropped && after.keptForAlert > before.keptForAlert) decision = 'kept_for_alert';
    rows.push({ n: i + 1, decision, text: r.output, counts: diffCounts(before.redactions, after.redactions) });
    before = after;
    collect();
    if (now >= lastTick + 1_000_000_000n) {
      p.tick();
      lastTick = now;
    }
    collect();
  });
  p.finish();
  collect();
  const result = { rows, signals, stats: p.stats() };
  p.free();
  return result;
}

function renderStats(stats) {
  const el = $('stats');
  el.replaceChildren();
  const items = [
    ['in', stats.recordsIn], ['out', stats.recordsOut], ['sampled', stats.sampled],
    ['rate limited', stats.rateLimited], ['dropped by rule', stats.droppedByRule],
    ['kept for alert', stats.keptForAlert], ['summaries', stats.recordsEmitted],
    ['parse fallbacks', stats.parseFallbacks],
  ];
  for (const [label, n] of items) {
    const s = document.createElement('span');
    s.className = 'count';
    s.dataset.count = label.replaceAll(' ', '_');
    s.innerHTML = '<b></b> ';
    s.firstChild.textContent = String(n);
    s.append(label);
    el.append(s);
  }
}

function renderLegend(stats) {
  const el = $('legend');
  el.replaceChildren();
  const found = Object.entries(stats.redactions).filter(([, n]) => n > 0);
  if (found.length === 0) {
    el.textContent = 'no redactions';
    return;
  }
  for (const [name, n] of found.sort((a, b) => b[1] - a[1])) {
    const item = document.createElement('span');
    item.className = 'legend-item';
    item.dataset.detector = name;
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.setProperty('--c', colour(name));
    item.append(sw, `${name} ${n}`);
    el.append(item);
  }
}

function renderAlerts(signals) {
  const el = $('alerts');
  el.replaceChildren();
  if (signals.length === 0) {
    el.textContent = 'no alert fired';
    return;
  }
  const table = document.createElement('table');
  const head = table.createTHead().insertRow();
  for (const h of ['alert', 'severity', 'status', 'starts', 'ends', 'summary', 'labels']) {
    const th = document.createElement('th');
    th.textContent = h;
    head.append(th);
  }
  const body = table.createTBody();
  for (const s of signals) {
    const tr = body.insertRow();
    tr.className = 'alert';
    const resolved = Date.parse(s.endsAt) <= s.at;
    tr.dataset.status = resolved ? 'resolved' : 'firing';
    const { alertname, severity, ...rest } = s.labels;
    const cells = [alertname, severity, tr.dataset.status, s.startsAt, s.endsAt, s.annotations.summary || '',
      Object.entries(rest).map(([k, v]) => `${k}=${v}`).join(' ')];
    for (const c of cells) tr.insertCell().textContent = c;
  }
  el.append(table);
}

let runs = 0;

function run() {
  const configText = $('config').value;
  const errorEl = $('config-error');
  let config = null;
  try {
    config = JSON.parse(configText);
  } catch {
    // The engine reports syntax errors itself, with the position.
  }
  let result;
  try {
    result = runAll(configText, $('input').value, readClock(), readSeed());
  } catch (e) {
    errorEl.hidden = false;
    errorEl.textContent = e.path !== undefined ? `${e.message}` : String(e.message || e);
    errorEl.dataset.path = e.path || '';
    $('status').textContent = 'config error';
    document.body.dataset.runs = String(++runs);
    return;
  }
  errorEl.hidden = true;
  const tags = tagNames(config);
  const frag = document.createDocumentFragment();
  for (const r of result.rows) {
    const content = r.text === null
      ? Object.assign(document.createElement('code'), { className: 'out dropped', textContent: '—' })
      : renderRecord(r.text, r.counts, tags);
    frag.append(row(r.n ?? '+', r.decision, content, r.counts));
  }
  $('output').replaceChildren(frag);
  renderStats(result.stats);
  renderLegend(result.stats);
  renderAlerts(result.signals);
  $('status').textContent = `ready: ${result.stats.recordsIn} records, ${result.signals.length} alert events`;
  document.body.dataset.runs = String(++runs);
}

let timer = 0;
function scheduleRun() {
  clearTimeout(timer);
  timer = setTimeout(run, 150);
}

async function fetchText(path) {
  const res = await fetch(path);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.text();
}

async function loadExampleConfig() {
  try {
    $('config').value = await fetchText('samples/logsift.example.json');
  } catch {
    $('config').value = JSON.stringify(FALLBACK_CONFIG, null, 2);
  }
}

async function main() {
  await init();
  await loadExampleConfig();
  $('input').value = DEMO_LINES.join('\n');
  for (const id of ['input', 'config', 'step', 'start', 'seed']) $(id).addEventListener('input', scheduleRun);
  $('run').addEventListener('click', run);
  $('load-example').addEventListener('click', async () => {
    await loadExampleConfig();
    run();
  });
  $('load-sample').addEventListener('click', async () => {
    const name = $('sample').value;
    try {
      $('input').value = await fetchText(`samples/${name}`);
      run();
    } catch (e) {
      $('status').textContent = `could not load ${name}: ${e.message}`;
    }
  });
  run();
}

main().catch((e) => {
  $('status').textContent = `could not start the engine: ${e.message || e}`;
});
