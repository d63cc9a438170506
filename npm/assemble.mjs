#!/usr/bin/env node
// Assembles the platform package @swgate/cli-<platform>-<arch> for the machine running it,
// from a built swgate binary, into OUT_DIR (then `npm pack OUT_DIR`).
//
//   node npm/assemble.mjs BINARY OUT_DIR
//
// The version is Cargo.toml's, the same as npm/swgate/package.json's (a test keeps them
// equal); os and cpu restrict the install to this platform.
import { readFileSync, mkdirSync, copyFileSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [binary, out] = process.argv.slice(2);
if (!binary || !out) {
  console.error('usage: node npm/assemble.mjs BINARY OUT_DIR');
  process.exit(2);
}
if (!existsSync(binary)) {
  console.error(`assemble: no binary at ${binary} (build it: cargo build --release)`);
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cargo = readFileSync(join(root, 'Cargo.toml'), 'utf8');
const version = /^version\s*=\s*"([^"]+)"/m.exec(cargo)[1];
const { platform, arch } = process;
const exe = platform === 'win32' ? 'swgate.exe' : 'swgate';

mkdirSync(join(out, 'bin'), { recursive: true });
copyFileSync(binary, join(out, 'bin', exe));
chmodSync(join(out, 'bin', exe), 0o755);
writeFileSync(
  join(out, 'package.json'),
  JSON.stringify(
    {
      name: `@swgate/cli-${platform}-${arch}`,
      version,
      description: `The swgate binary for ${platform}-${arch} (installed by the swgate package).`,
      license: 'MIT OR Apache-2.0',
      os: [platform],
      cpu: [arch],
      files: [`bin/${exe}`],
      preferUnplugged: true,
    },
    null,
    2
  ) + '\n'
);
console.log(out);
