// The package as published: `npm pack` of dist/js, installed into a fresh
// project, loaded through its `exports` map with `import` and `require`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST } from './support/util.mjs';

const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test('npm pack --dry-run lists the package and nothing else', () => {
  const [info] = JSON.parse(npm(['pack', '--dry-run', '--json'], DIST));
  const files = info.files.map((f) => f.path).sort();
  for (const dir of ['node', 'web']) {
    for (const f of ['logsift_js.js', 'logsift_js.d.ts', 'logsift_js_bg.wasm', 'package.json']) {
      assert.ok(files.includes(`pkg/${dir}/${f}`), `pkg/${dir}/${f} in ${files}`);
    }
  }
  for (const f of ['package.json', 'README.md', 'node.mjs', 'node.d.mts']) assert.ok(files.includes(f), f);
  assert.deepEqual(files.filter((f) => /^(test|playground|src|node_modules)\//.test(f)), []);
});

test('the packed tarball installs and loads with import and require', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'logsift-js-pack-'));
  try {
    const [info] = JSON.parse(npm(['pack', '--json', '--pack-destination', scratch], DIST));
    const app = join(scratch, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    npm(['install', '--offline', '--no-audit', '--no-fund', join(scratch, info.filename)], app);
    const esm = `import init, { Pipeline } from 'logsift';
await init();
console.log(new Pipeline({ scrub: {} }).process('mail jane.doe@example.com'));`;
    const cjs = `const { Pipeline } = require('logsift');
console.log(new Pipeline('{"scrub": {}}').process('mail jane.doe@example.com'));`;
    writeFileSync(join(app, 'esm.mjs'), esm);
    writeFileSync(join(app, 'cjs.cjs'), cjs);
    for (const script of ['esm.mjs', 'cjs.cjs']) {
      const out = execFileSync(process.execPath, [script], { cwd: app, encoding: 'utf8' });
      assert.equal(out.trim(), 'mail [EMAIL_ADDRESS]', script);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
