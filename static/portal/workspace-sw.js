/* The workspace's service worker: pages are fetched from the network first and kept, so a
   secretary who loses the connection can still open the workspace and the progress form (the
   draft itself lives in IndexedDB, see workspace.js). Writes are never cached.
   A form opened only once must work offline too: the worker keeps the workspace's styles,
   script and icons as it installs (``PRECACHE``: their URLs as the server names them, put in
   by the view that serves this file), and the page keeps its own copy once the worker is
   ready (workspace.js). */
"use strict";

var CACHE = "workspace-v1";
// The workspace's asset URLs, put here by the view serving this file.
var PRECACHE = [];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      // One missing file must not keep the worker from installing: the others still help.
      return Promise.all(PRECACHE.map(function (url) { return cache.add(url).catch(function () {}); }));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) { return key !== CACHE; }).map(function (key) { return caches.delete(key); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  // Only the pages needed to post progress offline (no 点单 with a resident's phone number).
  var kept = url.pathname === "/workspace/" || /^\/workspace\/(projects|730)\/\d+\/progress\/$/.test(url.pathname);
  if (!kept && !url.pathname.startsWith("/static/")) { return; }
  event.respondWith(
    fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(request, { ignoreVary: true }).then(function (cached) {
        if (cached) { return cached; }
        if (request.mode !== "navigate") { return Response.error(); }
        return new Response("<h1>没有网络</h1><p>这个页面还没有离线副本，请联网后再打开。</p>", {
          status: 503, headers: { "Content-Type": "text/html; charset=utf-8" },
        });
      });
    })
  );
});
