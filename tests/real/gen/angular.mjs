// Builds the angular-ngsw app of the real corpus: a plain page laid out as the Angular CLI lays
// out a build (hashed main-*.js and styles-*.css), ngsw.json written by @angular/service-worker's
// own ngsw-config CLI, then ngsw-worker.js and safety-worker.js copied in as the CLI does.
//   node gen/angular.mjs OUT        (SWGATE_NPM_DIR: where node_modules is; default target/real-npm)
// Deploys: v1, v2 (app content differs; ngsw-worker.js is byte-identical), kill-404 (v2 without
// ngsw.json: the worker unregisters itself when the manifest 404s) and kill-safety (v2 with
// safety-worker.js served as ngsw-worker.js). Both kill switches are Angular's documented ones.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const npmDir = resolve(process.env.SWGATE_NPM_DIR || join(here, '..', '..', '..', 'target', 'real-npm'));
const sw = join(npmDir, 'node_modules', '@angular', 'service-worker');
const config = join(here, '..', 'apps', 'angular', 'ngsw-config.json');
const out = join(resolve(process.argv[2] || join(here, '..', 'out')), 'angular-ngsw');
const APP = 'angular-ngsw';
// esbuild-style 8-character upper-case hashes, as `ng build` names its bundles.
const hash = (text) => createHash('sha256').update(text).digest('hex').slice(0, 8).toUpperCase();

function build(version) {
  const dir = join(out, version);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const css = `body { font-family: sans-serif; margin: 2rem; }\n#version { font-weight: bold; }\n`;
  const cssName = `styles-${hash(css)}.css`;
  const main = `// ${APP} ${version}: the app bundle; registers the Angular service worker once loaded.
document.body.dataset.app = '${version}';
document.getElementById('greeting').textContent = 'Hello from ${version}';
if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => navigator.serviceWorker.register('ngsw-worker.js', { scope: '' }));
}
`;
  const mainName = `main-${hash(main)}.js`;
  writeFileSync(join(dir, cssName), css);
  writeFileSync(join(dir, mainName), main);
  writeFileSync(join(dir, 'index.html'), `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <link rel="icon" href="data:,">
  <title>${APP} ${version}</title>
  <base href="/">
  <link rel="stylesheet" href="${cssName}">
</head>
<body>
  <h1>${APP}</h1>
  <p>Version <span id="version">${version}</span></p>
  <p id="greeting"></p>
  <script src="${mainName}" type="module"></script>
</body>
</html>
`);
  // ngsw-config resolves both paths against its working directory, so they must be relative.
  execFileSync(process.execPath, [join(sw, 'ngsw-config.js'), relative(out, dir), relative(out, config), '/'], {
    cwd: out,
    stdio: 'inherit',
  });
  copyFileSync(join(sw, 'ngsw-worker.js'), join(dir, 'ngsw-worker.js'));
  copyFileSync(join(sw, 'safety-worker.js'), join(dir, 'safety-worker.js'));
  console.log(`${APP}/${version}: ngsw.json, ngsw-worker.js, safety-worker.js`);
  return dir;
}

mkdirSync(out, { recursive: true });
build('v1');
const v2 = build('v2');

const kill404 = join(out, 'kill-404');
rmSync(kill404, { recursive: true, force: true });
cpSync(v2, kill404, { recursive: true });
rmSync(join(kill404, 'ngsw.json'));
console.log(`${APP}/kill-404: v2 without ngsw.json`);

const killSafety = join(out, 'kill-safety');
rmSync(killSafety, { recursive: true, force: true });
cpSync(v2, killSafety, { recursive: true });
copyFileSync(join(sw, 'safety-worker.js'), join(killSafety, 'ngsw-worker.js'));
console.log(`${APP}/kill-safety: v2 with safety-worker.js as ngsw-worker.js`);
