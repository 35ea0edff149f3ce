/* The phone service worker (served at /sw.js by core.serviceworker, which fills in VERSION and
   SHELL; scope "/"). Issue 16: the phone pages open without a network.

   - The app shell (the phone CSS and JS, SHELL: their hashed URLs after collectstatic) is cached
     at install, in "shell-<VERSION>", and answered from the cache first.
   - The work list pages (PAGES: the phone home, my tasks, my grid's open cases, the current
     screening round, the check-in pages, a patrol's phone page) are network-first: a good answer (200, not a redirect) is kept in "pages-<VERSION>", the cache
     answers when the network fails. A page opened once online opens offline; the outbox's
     "warm" message fetches the work list once in a while so that it is there too. The
     JavaScript catalogue (/jsi18n/, the same for every user) is network-first in the shell cache.
   - VERSION comes from the content of the shell files and of this script: an update installs a
     new worker, which deletes every cache of another version when it activates.
   - Never cached: anything but GET, other origins, other paths, redirects (a lost login),
     errors. Logout (and another user on the phone) deletes "pages-*" (static/js/outbox.js). */
"use strict";

var VERSION = "__VERSION__";
var SHELL = __SHELL__;
var WARM = __WARM__;
var SHELL_CACHE = "shell-" + VERSION;
var PAGE_CACHE = "pages-" + VERSION;
var PAGES = [/^\/m\/$/, /^\/m\/cases\/(\d+\/)?$/, /^\/visits\/m\/$/, /^\/screening\/m\/$/,
             /^\/stations\/m\/checkin\/$/, /^\/patrols\/\d+\/m\/$/];
var CATALOGUE = "/jsi18n/";  // the same for everyone (per language): kept with the shell

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) {
    return cache.addAll(SHELL);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n !== SHELL_CACHE && n !== PAGE_CACHE && (n.indexOf("shell-") === 0 || n.indexOf("pages-") === 0);
    }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function isPage(url) {
  return PAGES.some(function (re) { return re.test(url.pathname); });
}

// the writes to the page cache, one after the other, so that a logout's delete comes after
// every page kept before it (and no late write brings a signed-out user's page back)
var writes = Promise.resolve();
function queue(work) {
  writes = writes.then(work).catch(function () { /* a failed write keeps nothing */ });
  return writes;
}

function keep(request, response, cacheName) {
  if (response && response.status === 200 && !response.redirected && response.type === "basic") {
    var copy = response.clone();
    queue(function () {
      return caches.open(cacheName || PAGE_CACHE).then(function (cache) { return cache.put(request, copy); });
    });
  }
  return response;
}

function forgetPages() {
  return queue(function () {
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf("pages-") === 0; })
        .map(function (n) { return caches.delete(n); }));
    });
  });
}

function offlinePage() {
  return new Response(
    "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
    "<title>离线</title><p style='font:16px sans-serif;padding:16px'>网络中断,此页面尚未缓存。" +
    "<a href='/m/'>返回首页</a></p>",
    { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method !== "GET") {  // posts go to the network (the outbox keeps them)
    if (url.pathname === "/logout/") { event.waitUntil(forgetPages()); }  // signing out forgets the pages
    return;
  }
  if (SHELL.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.match(request, { ignoreVary: true }).then(function (hit) {
      return hit || fetch(request);
    }));
    return;
  }
  var page = isPage(url);
  if (!page && url.pathname !== CATALOGUE) { return; }
  event.respondWith(fetch(request).then(function (response) {
    return keep(request, response, page ? PAGE_CACHE : SHELL_CACHE);
  }, function () {
    return caches.match(request, { ignoreVary: true }).then(function (hit) {
      return hit || (request.mode === "navigate" ? offlinePage() : Response.error());
    });
  }));
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "logout") {
    event.waitUntil(forgetPages());
  } else if (data.type === "warm") {
    // the work list, fetched with the user's session so that it opens offline
    event.waitUntil(Promise.all(WARM.map(function (path) {
      var request = new Request(path, { credentials: "same-origin" });
      var cacheName = path === CATALOGUE ? SHELL_CACHE : PAGE_CACHE;
      return fetch(request).then(function (response) { return keep(request, response, cacheName); }, function () { return null; });
    })));
  }
});
