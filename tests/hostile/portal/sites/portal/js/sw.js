// A service worker's own requests pass no page route: the crawler's contexts block service workers.
self.addEventListener("install", function (event) {
  event.waitUntil(fetch("{site:other}/ndbg/service-worker.json").catch(function () {}));
});
