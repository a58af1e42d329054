// The JS package against the native engine: the same samples and configs
// through `logsift run --host native` and through the nodejs build must give
// byte-identical records, signals and metrics.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pipeline } from 'logsift';
import { REPO, lines, native } from './support/util.mjs';

const SAMPLES = ['structlog.ndjson', 'envoy-access.ndjson', 'nginx-combined.log', 'sshd-syslog.log'];
const EXAMPLE = join(REPO, 'observability/logsift.example.json');
// The replay clock of `--replay-step` (host-test's Clock::Replay) and the
// native harness's seed.
const REPLAY_START = 1_732_464_000.0;
const REPLAY_STEP = 0.05;
const NATIVE_SEED = 0x5eedn;

const scratch = mkdtempSync(join(tmpdir(), 'logsift-js-parity-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

function sample(name) {
  return join(REPO, 'host-test/samples', name);
}

function firstDifference(want, got) {
  for (let i = 0; i < Math.max(want.length, got.length); i++) {
    if (want[i] !== got[i]) return `line ${i + 1}:\n- ${want[i]}\n+ ${got[i]}`;
  }
  return 'none';
}

// Scrub-only configs: no clock, no randomness, so any run must match.
const SCRUB_CONFIGS = {
  default: { scrub: { preset: 'default' } },
  strict: { scrub: { preset: 'strict' } },
  'example scrub section': { scrub: JSON.parse(readFileSync(EXAMPLE, 'utf8')).scrub },
};

for (const [label, config] of Object.entries(SCRUB_CONFIGS)) {
  test(`scrub only (${label}): every sample matches the native engine`, () => {
    const path = join(scratch, `${label.replace(/\W+/g, '-')}.json`);
    writeFileSync(path, JSON.stringify(config));
    for (const name of SAMPLES) {
      const want = lines(native(['--config', path, sample(name)]));
      const p = new Pipeline(config);
      const got = p.processBatch(lines(readFileSync(sample(name), 'utf8')));
      assert.ok(got.every((r) => r !== null), 'scrubbing alone never drops');
      assert.equal(got.length, want.length, name);
      assert.ok(
        got.every((r, i) => r === want[i]),
        `${name} differs from native, first at ${firstDifference(want, got)}`,
      );
      assert.ok(p.stats().recordsOut > 0);
    }
  });
}

// The host loop of `logsift run` (host-test `run_native`), on the replay clock.
function replay(config, input, { autoTick }) {
  let now = 0n;
  const p = new Pipeline(config, { now: () => now, seed: NATIVE_SEED, autoTick });
  const records = [];
  const signals = [];
  let lastTick = 0n;
  lines(input).forEach((line, i) => {
    // Exactly the native `((start + step * i) * 1e9) as u64`: the same f64
    // arithmetic, then a lossless conversion of an integral double.
    now = BigInt(Math.trunc((REPLAY_START + REPLAY_STEP * i) * 1e9));
    const out = p.process(line);
    if (out !== null) records.push(out);
    records.push(...p.emitted());
    if (!autoTick && now >= lastTick + 1_000_000_000n) {
      p.tick();
      lastTick = now;
    }
    signals.push(...p.signals());
  });
  p.finish();
  records.push(...p.emitted());
  signals.push(...p.signals());
  return { records, signals, metrics: p.metrics(), stats: p.stats() };
}

test('whole example pipeline on the replay clock: records, signals and metrics match native', () => {
  const config = readFileSync(EXAMPLE, 'utf8');
  let alerts = 0;
  for (const name of SAMPLES) {
    const sigPath = join(scratch, `${name}.signals.ndjson`);
    const common = ['--config', EXAMPLE, '--replay-step', String(REPLAY_STEP), '--signals', sigPath];
    const stdout = native([...common, sample(name)]);
    const withMetrics = native([...common, '--metrics', sample(name)]);
    assert.ok(withMetrics.startsWith(stdout));
    const want = {
      records: lines(stdout),
      signals: lines(readFileSync(sigPath, 'utf8')),
      metrics: withMetrics.slice(stdout.length),
    };
    // The host loop with its own timer, and the pipeline ticking by itself.
    for (const autoTick of [false, true]) {
      const what = `${name} (autoTick ${autoTick})`;
      const got = replay(config, readFileSync(sample(name), 'utf8'), { autoTick });
      assert.equal(got.records.length, want.records.length, `${what}: record count`);
      assert.ok(
        got.records.every((r, i) => r === want.records[i]),
        `${what}: records differ from native, first at ${firstDifference(want.records, got.records)}`,
      );
      assert.deepEqual(got.signals.map((s) => JSON.stringify(s)), want.signals, `${what}: signals`);
      assert.equal(got.metrics, want.metrics, `${what}: metrics`);
      const s = got.stats;
      assert.equal(s.recordsIn, s.recordsOut + s.sampled + s.rateLimited + s.droppedByRule);
      alerts += got.signals.length;
    }
  }
  assert.ok(alerts > 0, 'the samples make some alert fire');
});
