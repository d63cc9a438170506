// One tiny Vite app, built by build.sh per app and deploy:
//   VITE_APP_NAME, VITE_APP_VERSION  the page's name and version marker
//   SWGATE_PWA_REGISTER              vite-plugin-pwa's registerType: autoUpdate | prompt
//   SWGATE_VITE_OUT                  the deploy directory to write
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

export default defineConfig({
  logLevel: 'warn',
  build: {
    outDir: process.env.SWGATE_VITE_OUT,
    emptyOutDir: true,
  },
  plugins: [
    VitePWA({
      registerType: process.env.SWGATE_PWA_REGISTER,
      manifest: false,
      workbox: {
        globPatterns: ['**/*.{js,css,html}'],
        cleanupOutdatedCaches: true,
      },
    }),
  ],
});
