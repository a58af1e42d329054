// The playground (dist/js/playground) in Debian's Chromium, headless, driven
// by playwright-core, served by a static server on 127.0.0.1. What the page
// shows is compared with the native engine on the same input, config, clock
// and seed. A screenshot is left in <target>/js-artifacts/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { chromium } from 'playwright-core';
import { DIST, REPO, TARGET, lines, native } from './support/util.mjs';

const CHROMIUM = process.env.LOGSIFT_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = join(TARGET, 'js-artifacts');
const EXAMPLE = join(REPO, 'observability/logsift.example.json');
const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.ndjson': 'application/x-ndjson',
  '.log': 'text/plain; charset=utf-8',
};

let server;
let base;
let context;
let page;
let scratch;
const problems = [];
const wasmTypes = [];

/** Serves dist/js, files only, nothing outside it. */
function serve(root) {
  return createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    let path = normalize(join(root, decodeURIComponent(url.pathname)));
    if (path !== root && !path.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    if (url.pathname.endsWith('/')) path = join(path, 'index.html');
    let body;
    try {
      body = readFileSync(path);
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': MIME[extname(path)] || 'application/octet-stream' });
    res.end(body);
  });
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing (cargo xtask test installs Debian's chromium)`);
  assert.ok(existsSync(join(DIST, 'playground/index.html')), 'run `cargo xtask dist` first');
  server = serve(DIST);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
  scratch = mkdtempSync(join(tmpdir(), 'logsift-chromium-'));
  context = await chromium.launchPersistentContext(join(scratch, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    viewport: { width: 1400, height: 1000 },
  });
  page = context.pages()[0] || (await context.newPage());
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
    if (r.url().endsWith('.wasm')) wasmTypes.push(r.headers()['content-type']);
  });
  await page.goto(`${base}/playground/`);
  await waitForRun(0);
});

after(async () => {
  await context?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const runs = () => page.evaluate(() => Number(document.body.dataset.runs || 0));

async function waitForRun(previous) {
  await page.waitForFunction((n) => Number(document.body.dataset.runs || 0) > n, previous, { timeout: 60_000 });
}

/** Clicks Run once typing has settled, and waits for that run. */
async function runNow() {
  await page.waitForTimeout(300); // let the input debounce fire first
  const n = await runs();
  await page.click('#run');
  await waitForRun(n);
}

/** The kept records and summaries as shown, in order. */
function shownRecords() {
  return page.$$eval('#output .row', (rows) =>
    rows.filter((r) => !['sampled', 'rate_limited', 'rule'].includes(r.dataset.decision))
      .map((r) => r.querySelector('.out').textContent));
}

test('the engine loads, with the wasm served as application/wasm', async () => {
  assert.match(await page.textContent('#status'), /^ready/);
  assert.deepEqual(wasmTypes, ['application/wasm']);
  assert.match(await page.inputValue('#config'), /"preset": "strict"/, 'the example config is loaded');
});

test('a typed line with an email and a card comes out redacted and highlighted', async () => {
  const line = '{"level": "error", "event": "checkout_failed", "email": "jane.doe@example.com", "card": "4111 1111 1111 1111"}';
  await page.fill('#input', '');
  await page.locator('#input').pressSequentially(line);
  await runNow();

  const rows = await page.$$eval('#output .row', (rs) => rs.map((r) => ({
    decision: r.dataset.decision,
    text: r.querySelector('.out').textContent,
  })));
  assert.equal(rows.length, 1);
  assert.equal(rows[0].decision, 'kept');
  const shown = rows[0].text;
  assert.ok(!shown.includes('jane.doe@example.com'), shown);
  assert.ok(!shown.includes('4111 1111 1111 1111'), shown);

  // Exactly what the native engine makes of it with the page's clock and seed.
  const input = join(scratch, 'typed.ndjson');
  writeFileSync(input, `${line}\n`);
  const want = lines(native(['--config', EXAMPLE, '--replay-step', '0.05', input]));
  assert.deepEqual([shown], want);

  const marks = await page.$$eval('#output mark.redaction', (ms) => ms.map((m) => ({
    detector: m.dataset.detector,
    text: m.textContent,
    colour: getComputedStyle(m).backgroundColor,
  })));
  const email = marks.find((m) => m.detector === 'EMAIL_ADDRESS');
  const card = marks.find((m) => m.detector === 'CREDIT_CARD');
  assert.equal(email?.text, '[EMAIL_ADDRESS]', JSON.stringify(marks));
  // The example config keeps a card's last four digits (`partial`).
  assert.equal(card?.text, '**** **** **** 1111', JSON.stringify(marks));
  assert.notEqual(email.colour, card.colour, 'each detector has its own colour');
  const legend = await page.$$eval('#legend .legend-item', (items) => items.map((i) => i.dataset.detector));
  assert.ok(legend.includes('EMAIL_ADDRESS') && legend.includes('CREDIT_CARD'), String(legend));

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'playground.png') });
});

test('a bundled sample loads and matches the native engine, alerts included', async () => {
  await page.selectOption('#sample', 'structlog.ndjson');
  const n = await runs();
  await page.click('#load-sample');
  await waitForRun(n);

  const sigPath = join(scratch, 'signals.ndjson');
  const sample = join(REPO, 'host-test/samples/structlog.ndjson');
  const want = lines(native(['--config', EXAMPLE, '--replay-step', '0.05', '--signals', sigPath, sample]));
  const got = await shownRecords();
  assert.equal(got.length, want.length);
  assert.ok(got.every((r, i) => r === want[i]), 'the page shows what the native engine passes on');

  const decisions = await page.$$eval('#output .row', (rs) => rs.map((r) => r.dataset.decision));
  assert.equal(decisions.filter((d) => d !== 'summary').length, lines(readFileSync(sample, 'utf8')).length);
  assert.ok(decisions.includes('sampled'), 'info records are sampled by the example config');

  const wantAlerts = lines(readFileSync(sigPath, 'utf8')).map((l) => JSON.parse(l).labels.alertname);
  const gotAlerts = await page.$$eval('#alerts tr.alert', (rs) => rs.map((r) => r.cells[0].textContent));
  assert.ok(wantAlerts.length > 0);
  assert.deepEqual(gotAlerts, wantAlerts);

  const counts = await page.$$eval('#stats .count', (cs) => Object.fromEntries(cs.map((c) => [c.dataset.count, Number(c.querySelector('b').textContent)])));
  assert.equal(counts.in, counts.out + counts.sampled + counts.rate_limited + counts.dropped_by_rule);
  await page.screenshot({ path: join(ARTIFACTS, 'playground-sample.png') });
});

test('a bad config is reported with the field it names', async () => {
  await page.fill('#config', '{"scrub": {"detectors": ["emial"]}}');
  await runNow();
  const error = page.locator('#config-error');
  assert.ok(await error.isVisible());
  assert.match(await error.textContent(), /^scrub\.detectors\[0\]: .*emial/);
  assert.equal(await error.getAttribute('data-path'), 'scrub.detectors[0]');
});

test('in the browser, the default seed comes from crypto.getRandomValues and the clock from Date.now', async () => {
  const got = await page.evaluate(async () => {
    const m = await import('/pkg/web/logsift_js.js');
    await m.default();
    const config = { enrich: { request_id: { generate: true } }, alerts: { rules: [{ name: 'Any', match: [{ field: 'a', equals: 1 }], threshold: 1 }] } };
    const run = () => {
      const p = new m.Pipeline(config);
      const id = JSON.parse(p.process('{"a": 1}')).request_id;
      return { id, startsAt: p.signals()[0].startsAt };
    };
    const before = Date.now();
    return { runs: [run(), run()], before, after: Date.now() };
  });
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const [a, b] = got.runs;
  assert.match(a.id, uuid);
  assert.match(b.id, uuid);
  assert.notEqual(a.id, b.id, 'two pipelines without a seed draw different ids');
  for (const r of got.runs) {
    const t = Date.parse(r.startsAt);
    assert.ok(t >= got.before - 1 && t <= got.after, `${r.startsAt} within the call`);
  }
});

test('the page logged no errors', () => {
  assert.deepEqual(problems, []);
});
