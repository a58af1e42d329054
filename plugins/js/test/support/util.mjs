// Paths and helpers shared by the tests.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isAbsolute, join, resolve } from 'node:path';

/** The repository root. */
export const REPO = resolve(fileURLToPath(new URL('../../../..', import.meta.url)));

/** Cargo's target directory, as xtask's `target_dir()` finds it. */
export const TARGET = (() => {
  const dir = process.env.CARGO_TARGET_DIR;
  if (!dir) return join(REPO, 'target');
  return isAbsolute(dir) ? dir : join(REPO, dir);
})();

/** `cargo xtask dist` output for the JS package. */
export const DIST = join(REPO, 'dist/js');

/** Lines as the native harness reads them: split on `\n`, `\r` trimmed, empty lines skipped. */
export function lines(text) {
  return text
    .split('\n')
    .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
    .filter((l) => l.length > 0);
}

/**
 * `logsift run --host native …args` from the repository root; its stdout.
 * The binary is $LOGSIFT_BIN when set (xtask builds it), else
 * `cargo run --release -p logsift-host`.
 */
export function native(args) {
  const bin = process.env.LOGSIFT_BIN;
  const [cmd, pre] = bin ? [bin, []] : ['cargo', ['run', '--quiet', '--release', '-p', 'logsift-host', '--']];
  return execFileSync(cmd, [...pre, 'run', '--host', 'native', ...args], {
    cwd: REPO,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}
