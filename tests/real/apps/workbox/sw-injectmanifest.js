// workbox-injectmanifest: the hand-written worker source. workbox-build's injectManifest
// replaces the manifest placeholder below with the precache list; the Workbox runtime comes from
// copyWorkboxLibraries (served from this origin, never a CDN) through workbox-sw.
importScripts('/%WORKBOX_DIR%/workbox-sw.js');
workbox.setConfig({ modulePathPrefix: '/%WORKBOX_DIR%/', debug: false });

self.addEventListener('install', () => self.skipWaiting());
workbox.core.clientsClaim();
workbox.precaching.cleanupOutdatedCaches();
workbox.precaching.precacheAndRoute(self.__WB_MANIFEST);
