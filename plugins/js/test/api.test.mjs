// The JS API of the nodejs build, through the package's own `exports` map.
// Expected records come from the engine's own rules (tags, counts), and the
// parity test compares whole runs with the native engine.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import init, { Pipeline } from 'logsift';

const EMAIL = 'jane.doe@example.com';
const CARD = '4111 1111 1111 1111';

test('a bad config throws a ConfigError naming the field', () => {
  const config = { scrub: { detectors: ['EMAIL_ADDRESS', 'JWT', 'CREDIT_CARD', 'emial'] } };
  assert.throws(() => new Pipeline(JSON.stringify(config)), (e) => {
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'ConfigError');
    assert.match(e.message, /^scrub\.detectors\[3\]: .*emial/);
    assert.equal(e.path, 'scrub.detectors[3]');
    return true;
  });
  assert.throws(() => new Pipeline({ scrub: { prest: 'strict' } }), { path: 'scrub.prest', message: /^scrub\.prest: unknown field `prest`/ });
  assert.throws(() => new Pipeline('{"scrub": '), { name: 'ConfigError', message: /EOF while parsing/ });
  assert.throws(() => new Pipeline(42), TypeError);
});

test('email and card are scrubbed, as text and as JSON', async () => {
  await init(); // a no-op in Node, so code written for the web build runs here
  const p = new Pipeline('{"scrub": {"preset": "default"}}');
  const text = p.process(`checkout by ${EMAIL} with card ${CARD}`);
  assert.equal(text, 'checkout by [EMAIL_ADDRESS] with card [CREDIT_CARD]');
  const json = JSON.parse(p.process(JSON.stringify({ event: 'checkout', email: EMAIL, card: CARD, n: 1 })));
  assert.deepEqual(json, { event: 'checkout', email: '[EMAIL_ADDRESS]', card: '[CREDIT_CARD]', n: 1 });
  const clean = '{"event": "ok", "n": 1}';
  assert.equal(p.process(clean), clean);
  const s = p.stats();
  assert.equal(s.recordsIn, 3);
  assert.equal(s.recordsOut, 3);
  assert.equal(s.redactions.EMAIL_ADDRESS, 2);
  assert.equal(s.redactions.CREDIT_CARD, 2);
});

test('the package also loads through require()', () => {
  const require = createRequire(import.meta.url);
  const { Pipeline: Cjs } = require('logsift');
  assert.equal(new Cjs('{}').process(`to ${EMAIL}`), `to ${EMAIL}`);
  assert.equal(new Cjs({ scrub: {} }).process(`to ${EMAIL}`), 'to [EMAIL_ADDRESS]');
});

test('drops come back as null, with their reason', () => {
  const config = {
    sample: { rates: { debug: 0 }, drop: [[{ field: 'event', equals: 'healthcheck' }]] },
  };
  const p = new Pipeline(config, { seed: 1 });
  const lines = [
    '{"event": "healthcheck", "level": "info"}',
    '{"event": "cache", "level": "debug"}',
    '{"event": "boom", "level": "error"}',
  ];
  const out = p.processBatch(lines);
  assert.equal(out.length, 3);
  assert.equal(out[0], null);
  assert.equal(out[1], null);
  assert.equal(JSON.parse(out[2]).event, 'boom');
  assert.deepEqual(p.processDetailed(lines[0]), { output: null, dropped: 'rule' });
  assert.deepEqual(p.processDetailed(lines[1]), { output: null, dropped: 'sampled' });
  const kept = p.processDetailed(lines[2]);
  assert.equal(kept.dropped, null);
  assert.equal(JSON.parse(kept.output).event, 'boom');
  const s = p.stats();
  assert.equal(s.recordsIn, 6);
  assert.equal(s.recordsIn, s.recordsOut + s.sampled + s.rateLimited + s.droppedByRule);
  assert.equal(s.droppedByRule, 2);
  assert.equal(s.sampled, 2);
  assert.throws(() => p.processBatch(['ok', 7]), { name: 'TypeError', message: 'lines[1] is not a string' });
  assert.equal(p.stats().recordsIn, 6, 'a rejected batch processes nothing');
});

test('alerts fire and resolve on the pipeline clock', () => {
  let now = Date.UTC(2026, 0, 1);
  const config = {
    alerts: {
      rules: [{ name: 'PaymentFailures', match: [{ field: 'event', equals: 'payment_failed' }], window: '1m', threshold: 3, severity: 'critical' }],
    },
  };
  const p = new Pipeline(config, { now: () => now, seed: 7n });
  for (let i = 0; i < 3; i++) {
    now += 100;
    p.process('{"event": "payment_failed"}');
  }
  const fired = p.signals();
  assert.equal(fired.length, 1);
  assert.equal(fired[0].labels.alertname, 'PaymentFailures');
  assert.equal(fired[0].labels.severity, 'critical');
  // The engine keeps alert times in float seconds: allow its last millisecond.
  assert.ok(Math.abs(Date.parse(fired[0].startsAt) - (Date.UTC(2026, 0, 1) + 300)) <= 1, fired[0].startsAt);
  assert.ok(Date.parse(fired[0].endsAt) > now, 'a firing alert ends in the future');
  assert.deepEqual(p.signals(), [], 'signals() hands each event out once');
  now += 10 * 60_000;
  p.tick();
  const resolved = p.signals();
  assert.equal(resolved.length, 1);
  assert.ok(Date.parse(resolved[0].endsAt) <= now, 'a resolved alert has ended');
});

test('rate-limit summaries come out of emitted()', () => {
  let now = 1_700_000_000_000;
  const config = { sample: { rate_limit: { by: ['event'], per_second: 1, burst: 2 } } };
  const p = new Pipeline(config, { now: () => now, seed: 3 });
  const out = p.processBatch(Array.from({ length: 10 }, () => '{"event": "spam", "level": "info"}'));
  assert.equal(out.filter((r) => r !== null).length, 2);
  assert.equal(p.stats().rateLimited, 8);
  now += 60_000;
  p.finish();
  const summaries = p.emitted().map((s) => JSON.parse(s));
  assert.ok(summaries.length >= 1, 'finish() flushes the pending summary');
  assert.ok(JSON.stringify(summaries).includes('spam'), JSON.stringify(summaries));
  assert.deepEqual(p.emitted(), []);
  assert.equal(p.stats().recordsEmitted, summaries.length);
});

test('the seed makes generated values reproducible', () => {
  const config = { enrich: { request_id: { generate: true } } };
  const id = (opts) => JSON.parse(new Pipeline(config, opts).process('{"event": "x"}')).request_id;
  assert.equal(id({ seed: 42n }), id({ seed: 42 }));
  assert.notEqual(id({ seed: 42 }), id({ seed: 43 }));
  // Without a seed, crypto.getRandomValues picks one.
  assert.notEqual(id(undefined), id(undefined));
});

test('bad options and clocks are TypeErrors', () => {
  assert.throws(() => new Pipeline('{}', { seed: -1 }), TypeError);
  assert.throws(() => new Pipeline('{}', { seed: 1.5 }), TypeError);
  assert.throws(() => new Pipeline('{}', { now: 5 }), TypeError);
  const p = new Pipeline('{}', { now: () => 'soon' });
  assert.throws(() => p.process('x'), /options\.now\(\)/);
  const q = new Pipeline('{}', { now: () => { throw new RangeError('clock broke'); } });
  assert.throws(() => q.process('x'), RangeError);
});

test('metrics() is the Prometheus exposition', () => {
  const p = new Pipeline({ scrub: { preset: 'strict' } });
  p.process(`mail ${EMAIL}`);
  const m = p.metrics();
  assert.match(m, /^logsift_records_in_total 1$/m);
  assert.match(m, /logsift_redactions_total\{detector="EMAIL_ADDRESS"\} 1/);
});
