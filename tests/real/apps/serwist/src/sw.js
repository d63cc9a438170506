// The worker, as Serwist's Vite guide writes it: the precache manifest is injected at
// self.__SW_MANIFEST by @serwist/vite, which then bundles this file (and serwist) into sw.js.
import { defaultCache } from '@serwist/vite/worker';
import { Serwist } from 'serwist';

const serwist = new Serwist({
  precacheEntries: self.__SW_MANIFEST,
  skipWaiting: true,
  clientsClaim: true,
  navigationPreload: false,
  runtimeCaching: defaultCache,
});

serwist.addEventListeners();
