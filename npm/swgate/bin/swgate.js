#!/usr/bin/env node
// The `swgate` command of the npm package: runs the prebuilt binary that npm installed as the
// optional dependency for this platform (@swgate/cli-<platform>-<arch>), passing arguments,
// stdio, the exit code and signals through. SWGATE_BINARY points at another binary instead.
'use strict';

const { spawnSync } = require('node:child_process');
const path = require('node:path');

const key = `${process.platform}-${process.arch}`;
const pkg = `@swgate/cli-${key}`;
const exe = process.platform === 'win32' ? 'swgate.exe' : 'swgate';

function binary() {
  if (process.env.SWGATE_BINARY) return process.env.SWGATE_BINARY;
  try {
    return require.resolve(`${pkg}/bin/${exe}`);
  } catch {
    process.stderr.write(
      `swgate: no prebuilt binary for ${key}: npm did not install ${pkg}.\n` +
        '  Reinstall without --omit=optional / --no-optional, or build swgate from a checkout\n' +
        '  of its repository (cargo install --locked --path .) and set SWGATE_BINARY to it.\n'
    );
    // 3: the tool itself could not run (swgate's "infrastructure" exit code).
    process.exit(3);
  }
}

const result = spawnSync(binary(), process.argv.slice(2), { stdio: 'inherit' });
if (result.error) {
  process.stderr.write(`swgate: cannot run ${result.error.path || 'the binary'}: ${result.error.message}\n`);
  process.exit(3);
}
if (result.signal) {
  // Die of the same signal, so a CI runner sees what swgate saw.
  process.kill(process.pid, result.signal);
}
process.exit(result.status ?? 3);
