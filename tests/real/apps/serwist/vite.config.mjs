// One tiny Vite app with Serwist (no Next.js), built by build.sh per deploy:
//   VITE_APP_NAME, VITE_APP_VERSION  the page's name and version marker
//   SWGATE_VITE_OUT                  the deploy directory to write
// @serwist/vite precaches the built files (injectManifest into src/sw.js) and bundles the
// worker with a second Vite build into OUT/sw.js once the app's bundle is written.
import { serwist } from '@serwist/vite';
import { defineConfig } from 'vite';

const outDir = process.env.SWGATE_VITE_OUT;

export default defineConfig({
  logLevel: 'warn',
  build: {
    outDir,
    emptyOutDir: true,
  },
  plugins: [
    serwist({
      swSrc: 'src/sw.js',
      swDest: 'sw.js',
      globDirectory: outDir,
      globPatterns: ['**/*.{js,css,html}'],
      injectionPoint: 'self.__SW_MANIFEST',
      rollupFormat: 'iife',
    }),
  ],
});
