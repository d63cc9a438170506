// The self-destroying worker as it is usually copied (github.com/NekR/self-destroying-sw):
// take over, unregister, reload the open pages. It does not delete caches.
self.addEventListener('install', function (e) {
  self.skipWaiting();
});

self.addEventListener('activate', function (e) {
  self.registration.unregister()
    .then(function () {
      return self.clients.matchAll();
    })
    .then(function (clients) {
      clients.forEach((client) => client.navigate(client.url));
    });
});
