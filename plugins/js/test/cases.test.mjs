// The data-driven case corpus (plugins/core/tests/cases/*.json, format at the
// top of plugins/core/tests/cases.rs) through the nodejs build, held exactly
// as the native runner holds it: outputs, drops with their reasons, signals,
// ticks and emitted summaries. The directory is read at run time, so new
// files and cases are picked up here too (host-test/tests/cases.rs runs the
// same corpus through the other .wasm builds).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pipeline } from 'logsift';
import { REPO } from './support/util.mjs';

// LOGSIFT_CASES_DIR runs a copy instead (to watch a check fail on a broken expectation).
const DIR = process.env.LOGSIFT_CASES_DIR ?? join(REPO, 'plugins/core/tests/cases');
// The native runner's clock before a suite's first `at`, and its seed.
const T0 = 1_732_464_000.0;
const SEED = 42;

/** Unix seconds to nanoseconds as the native runner converts them (`(secs * 1e9) as u64`). */
const nanos = (secs) => BigInt(Math.trunc(secs * 1e9));

/**
 * `firing:Name` / `resolved:Name`. The JS shape has no `resolved`: a
 * resolved alert ends when it is made, a firing one seconds later at least.
 */
function signalNames(events, nowNanos) {
  const nowMs = Number(nowNanos / 1_000_000n);
  return events.map((e) => `${Date.parse(e.endsAt) <= nowMs + 1000 ? 'resolved' : 'firing'}:${e.labels.alertname}`);
}

function runSuite(file, suite, tally) {
  let now = nanos(T0);
  let p;
  try {
    p = new Pipeline(suite.config, { now: () => now, seed: SEED, autoTick: false });
  } catch (e) {
    tally.cases += suite.cases.length;
    for (const c of suite.cases) tally.failures.push(`${file} / ${suite.name} / ${c.name ?? '?'} [js]: config rejected: ${e.message}`);
    return;
  }
  suite.cases.forEach((c, i) => {
    tally.cases += 1;
    const label = `${file} / ${suite.name} / ${c.name ?? `#${i}`} [js]`;
    const misses = [];
    const miss = (what, want, got) => misses.push(`    ${what}\n      expected: ${want}\n      got:      ${got}`);
    if (c.at !== undefined) now = nanos(c.at);
    const { output, dropped } = p.processDetailed(c.input);
    const signals = signalNames(p.signals(), now);
    if (c.dropped !== undefined && dropped !== c.dropped) {
      miss('outcome differs', `dropped (${c.dropped})`, dropped === null ? `kept: ${output}` : `dropped (${dropped})`);
    } else if (c.dropped === undefined && dropped !== null) {
      miss('outcome differs', 'kept', `dropped (${dropped})`);
    }
    if (output !== null) {
      if (c.output !== undefined && output !== c.output) miss('output differs', c.output, output);
      for (const s of c.contains ?? []) {
        if (!output.includes(s)) miss(`output lacks ${JSON.stringify(s)}`, `a record containing ${JSON.stringify(s)}`, output);
      }
      for (const s of c.absent ?? []) {
        if (output.includes(s)) miss(`output still has ${JSON.stringify(s)}`, `a record without ${JSON.stringify(s)}`, output);
      }
      if (c.valid_json) {
        try {
          JSON.parse(output);
        } catch {
          miss('output is not valid JSON', 'valid JSON', output);
        }
      }
    }
    if (c.tick_at !== undefined) {
      now = nanos(c.tick_at);
      p.tick();
      signals.push(...signalNames(p.signals(), now));
    }
    if (c.signals !== undefined && JSON.stringify(signals) !== JSON.stringify(c.signals)) {
      miss('signals differ', JSON.stringify(c.signals), JSON.stringify(signals));
    }
    const emitted = p.emitted();
    for (const s of c.emitted ?? []) {
      if (!emitted.some((e) => e.includes(s))) {
        miss(`no emitted record contains ${JSON.stringify(s)}`, `a summary containing ${JSON.stringify(s)}`, JSON.stringify(emitted));
      }
    }
    if (misses.length === 0) tally.passed += 1;
    else tally.failures.push(`${label}\n    input:    ${c.input}\n${misses.join('\n')}`);
  });
  const s = p.stats();
  if (s.recordsIn !== s.recordsOut + s.sampled + s.rateLimited + s.droppedByRule) {
    tally.suiteProblems.push(`${file} / ${suite.name} [js]: counters do not balance: ${JSON.stringify(s)}`);
  }
}

test('the case corpus through the nodejs build', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
  const tally = { cases: 0, passed: 0, failures: [], suiteProblems: [] };
  for (const file of files) {
    for (const suite of JSON.parse(readFileSync(join(DIR, file), 'utf8'))) runSuite(file, suite, tally);
  }
  const summary = `case corpus on js: ${tally.cases} cases run, ${tally.passed} passed, ${tally.failures.length} failed; 0 expectations skipped`;
  console.log(summary);
  assert.ok(tally.cases > 0, `no cases in ${DIR}`);
  const problems = [...tally.failures, ...tally.suiteProblems];
  assert.equal(problems.length, 0, `${problems.join('\n\n')}\n\n${summary}`);
});
