// Builds the Workbox apps of the real corpus with workbox-build itself (generateSW,
// injectManifest, copyWorkboxLibraries): node gen/workbox.mjs OUT [APP...]
// SWGATE_NPM_DIR names the directory whose node_modules holds the pinned packages (build.sh
// sets it; default target/real-npm).
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, '..', 'apps', 'workbox');
const npmDir = resolve(process.env.SWGATE_NPM_DIR || join(here, '..', '..', '..', 'target', 'real-npm'));
const require = createRequire(join(npmDir, 'package.json'));
const workboxBuild = require('workbox-build');
const workboxWindowUmd = require.resolve('workbox-window/build/workbox-window.prod.umd.js');

const out = resolve(process.argv[2] || join(here, '..', 'out'));
const only = process.argv.slice(3);

const VERSIONS = ['v1', 'v2'];
// Hashed names are left alone by Workbox's cache-busting, as a bundler's output would be.
const HASHED = /\.[0-9a-f]{8}\./;
const shortHash = (text) => createHash('sha256').update(text).digest('hex').slice(0, 8);

const base = (extra) => ({
  globPatterns: ['**/*.{html,js,css}'],
  dontCacheBustURLsMatching: HASHED,
  cleanupOutdatedCaches: true,
  sourcemap: false,
  mode: 'production',
  ...extra,
});

const images = (expiration) => [
  {
    urlPattern: /\/img\/[^/]+\.png$/,
    handler: 'CacheFirst',
    options: { cacheName: 'images', ...(expiration ? { expiration } : {}) },
  },
];

const APPS = {
  'workbox-generatesw-skipwaiting': {
    page: 'plain',
    kill: true,
    sw: base({ skipWaiting: true, clientsClaim: true }),
  },
  'workbox-generatesw-prompt': {
    page: 'workbox-window',
    sw: base({}),
  },
  'workbox-runtime-expiration': {
    page: 'plain',
    sw: base({
      skipWaiting: true,
      clientsClaim: true,
      runtimeCaching: images({ maxEntries: 20 }),
    }),
  },
  'workbox-runtime-unbounded': {
    page: 'plain',
    sw: base({ skipWaiting: true, clientsClaim: true, runtimeCaching: images(null) }),
  },
  'workbox-networkfirst-timeout': {
    page: 'plain',
    sw: base({
      // The HTML is left out of the precache: a precached /index.html would answer
      // navigations before the NetworkFirst route is consulted.
      globPatterns: ['**/*.{js,css}'],
      skipWaiting: true,
      clientsClaim: true,
      runtimeCaching: [
        {
          urlPattern: ({ request }) => request.mode === 'navigate',
          handler: 'NetworkFirst',
          options: { cacheName: 'pages', networkTimeoutSeconds: 3 },
        },
      ],
    }),
  },
  // Navigation preload (workbox#1648): v1 turns it on for its NetworkFirst navigations, v2
  // leaves the option out and never disables it. Measured: Workbox 7's strategies still read
  // `event.preloadResponse` whenever it exists, so each navigation reaches the server once.
  'workbox-navigation-preload-dropped': {
    page: 'plain',
    sw: (version) => base({
      globPatterns: ['**/*.{js,css}'],
      skipWaiting: true,
      clientsClaim: true,
      navigationPreload: version === 'v1',
      runtimeCaching: [
        {
          urlPattern: ({ request }) => request.mode === 'navigate',
          handler: 'NetworkFirst',
          options: { cacheName: 'pages' },
        },
      ],
    }),
  },
  'workbox-injectmanifest': {
    page: 'plain',
    injectManifest: true,
  },
  // A common trap: the release in Workbox's `cacheId` (so each release precaches into a new
  // cache) without `cleanupOutdatedCaches`, which generateSW leaves off by default: every
  // release's precache stays on users' disks.
  'workbox-cacheid-per-release': {
    page: 'plain',
    sw: (version) => base({
      skipWaiting: true,
      clientsClaim: true,
      cacheId: `app-${version}`,
      cleanupOutdatedCaches: false,
    }),
  },
};

function page({ app, version, scripts, button }) {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <link rel="icon" href="data:,">
  <title>${app} ${version}</title>
  <link rel="stylesheet" href="/style.css">
</head>
<body>
  <h1>${app}</h1>
  <p>Version <span id="version">${version}</span></p>
${button ? '  <button id="update" hidden>A new version is ready: Reload</button>\n' : ''}${scripts
    .map((s) => `  <script src="${s}"></script>\n`)
    .join('')}</body>
</html>
`;
}

function registration(kind) {
  if (kind === 'workbox-window') {
    // workbox-window's documented "offer a page reload" recipe.
    return `if ('serviceWorker' in navigator) {
  const wb = new workbox.Workbox('/sw.js');
  const button = document.getElementById('update');
  wb.addEventListener('waiting', () => {
    button.hidden = false;
    button.onclick = () => {
      wb.addEventListener('controlling', () => window.location.reload());
      wb.messageSkipWaiting();
    };
  });
  wb.register();
}
`;
  }
  return `if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => navigator.serviceWorker.register('/sw.js'));
}
`;
}

function writeApp(dir, app, version, kind) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'chunks'), { recursive: true });
  copyFileSync(join(src, 'style.css'), join(dir, 'style.css'));
  const chunk = `// ${app} ${version}: the settings screen, loaded on demand.
export function render() {
  return 'settings of ${version}';
}
`;
  const chunkPath = `/chunks/settings.${shortHash(chunk)}.js`;
  writeFileSync(join(dir, chunkPath), chunk);
  const appJs = `// ${app} ${version}: registers the worker; the settings screen loads lazily.
document.body.dataset.app = '${version}';
window.loadSettings = () => import('${chunkPath}').then((m) => m.render());
${registration(kind)}`;
  writeFileSync(join(dir, 'app.js'), appJs);
  const scripts = ['/app.js'];
  if (kind === 'workbox-window') {
    copyFileSync(workboxWindowUmd, join(dir, 'workbox-window.prod.umd.js'));
    scripts.unshift('/workbox-window.prod.umd.js');
  }
  writeFileSync(join(dir, 'index.html'), page({ app, version, scripts, button: kind === 'workbox-window' }));
}

function report(app, version, result) {
  const warnings = result.warnings.length ? ` warnings: ${result.warnings.join('; ')}` : '';
  console.log(`${app}/${version}: ${result.count} precache entries, ${result.size} bytes${warnings}`);
}

async function build(app, spec) {
  for (const version of VERSIONS) {
    const dir = join(out, app, version);
    writeApp(dir, app, version, spec.page);
    if (spec.injectManifest) {
      const libs = await workboxBuild.copyWorkboxLibraries(dir);
      const stage = join(npmDir, 'stage', app, version);
      mkdirSync(stage, { recursive: true });
      const swSrc = join(stage, 'sw.js');
      writeFileSync(swSrc, readFileSync(join(src, 'sw-injectmanifest.js'), 'utf8').replaceAll('%WORKBOX_DIR%', libs));
      report(app, version, await workboxBuild.injectManifest({
        swSrc,
        swDest: join(dir, 'sw.js'),
        globDirectory: dir,
        globPatterns: ['**/*.{html,js,css}'],
        globIgnores: [`${libs}/**`],
        dontCacheBustURLsMatching: HASHED,
      }));
    } else {
      report(app, version, await workboxBuild.generateSW({
        ...(typeof spec.sw === 'function' ? spec.sw(version) : spec.sw),
        globDirectory: dir,
        swDest: join(dir, 'sw.js'),
      }));
    }
  }
  if (spec.kill) {
    const dir = join(out, app, 'kill');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.html'), page({ app, version: 'kill', scripts: [], button: false })
      .replace('<body>\n', '<body>\n  <!-- The kill-switch deploy registers no service worker. -->\n'));
    copyFileSync(join(src, 'style.css'), join(dir, 'style.css'));
    copyFileSync(join(src, 'sw-kill.js'), join(dir, 'sw.js'));
    console.log(`${app}/kill: self-destroying sw.js`);
  }
}

for (const [app, spec] of Object.entries(APPS)) {
  if (only.length && !only.includes(app)) continue;
  await build(app, spec);
}
