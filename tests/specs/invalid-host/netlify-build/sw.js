// network-first v1: navigation network-first, skipWaiting: yes, deletes old caches: yes.
const CACHE = 'shell-v1';
const PRECACHE = ['/', '/assets/app.3f9a1c20.js'];

self.addEventListener('install', (event) => {
  // `cache: 'reload'` bypasses the HTTP cache: without it a returning user's stale copy of
  // the previous deploy's HTML can end up in this deploy's precache.
  const requests = PRECACHE.map((url) => new Request(url, { cache: 'reload' }));
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(requests)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.mode === 'navigate') {
    // Network-first: a new deploy reaches the user on the next navigation.
    event.respondWith(
      fetch(request)
        .then((response) => {
          const copy = response.clone();
          event.waitUntil(caches.open(CACHE).then((cache) => cache.put(request, copy)));
          return response;
        })
        .catch(() => caches.match(request))
    );
    return;
  }
  event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
});
