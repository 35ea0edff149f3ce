/* The phone outbox: one mechanism for every phone form (issue 16).

   - Any <form data-outbox> (its value: what the item is called in the bar, e.g. "驻村签到") is
     sent with fetch(). Its fields, its client key (the hidden `client_key`, made by the server
     for the page; a new one when missing) and its files (as Blobs) are first put in IndexedDB,
     then sent; the server makes at most one record per key (core.submissions), so a resend —
     after a timeout, when the network returns, twice at once — answers with the first record.
   - The request carries `X-Outbox: 1` (core.middleware.OutboxMiddleware): a page that accepted
     the form answers 200 {"ok": true, "location"} (then this page goes there, and its message
     is shown), a page that refused it 400 with the form shown again (its error texts are read
     out of that HTML), a lost login 401. JSON answers (the dispute report) pass unchanged.
   - If the network fails (fetch rejects, or navigator.onLine is false) the item stays in the
     outbox and the bar "待发送 (n)" is shown on every phone page; it is resent when `online`
     fires, on the next page load, and by the button "立即重发". A success removes it. A 4xx
     answer keeps it, marked with the server's message (the user may remove it); 5xx and 409
     are retried later.
   - The form element gets events: "outbox:queued", "outbox:answer" (detail: {entry, status,
     data}); a listener may call event.preventDefault() on "outbox:answer" to handle the answer
     itself (static/js/report-draft.js does for the dispute report: its 409 duplicate choice).
   - It also registers the service worker (data-sw, /sw.js) and, on logout or when another user
     signs in on this phone, deletes the cached pages (the outbox is per user: "outbox:<id>").

   Texts through Django's JavaScript catalogue (/jsi18n/); the Chinese originals without it.
   No inline script (CSP). window.Outbox exposes list(), send(entry), flush(), put(entry). */
(function () {
  "use strict";

  var script = document.currentScript;
  var userId = (script && script.getAttribute("data-user")) || "anon";
  var swUrl = script && script.getAttribute("data-sw");
  var DB_NAME = "outbox:" + userId;
  var STORE = "items";
  var gettext = window.gettext || function (s) { return s; };
  var interpolate = window.interpolate || function (fmt, obj) {
    return fmt.replace(/%\((\w+)\)s/g, function (m, k) { return String(obj[k]); });
  };
  var T = {
    offline: gettext("网络中断,已保存在本机,恢复网络后自动重新发送"),
    sending: gettext("正在发送…"),
    sent: gettext("已发送"),
    retry: gettext("服务器暂时无法处理,稍后自动重新发送"),
    login: gettext("登录已过期,请重新登录;待发送的内容会在登录后重新发送"),
    refused: gettext("未被接受"),
    remove: gettext("删除"),
    resend: gettext("立即重发")
  };
  function pendingText(n) { return interpolate(gettext("待发送 (%(n)s)"), { n: n }, true); }

  // --- IndexedDB (a browser without it: the form posts normally) --------------------------------
  var dbPromise = null;
  function db() {
    if (dbPromise) { return dbPromise; }
    dbPromise = new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no indexedDB")); return; }
      var req = window.indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "key" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
    return dbPromise;
  }
  function tx(mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(STORE, mode);
        var result = work(t.objectStore(STORE));
        t.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };
      });
    });
  }
  function list() {
    return tx("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).sort(function (a, b) { return a.at - b.at; });
    });
  }
  function put(entry) { return tx("readwrite", function (s) { s.put(entry); }); }
  function remove(key) { return tx("readwrite", function (s) { s.delete(key); }); }

  // --- client key -------------------------------------------------------------------------------
  var UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  function newKey() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === "function") { return c.randomUUID(); }
    var b = new Uint8Array(16);
    if (c && typeof c.getRandomValues === "function") { c.getRandomValues(b); }
    else { for (var i = 0; i < 16; i++) { b[i] = Math.floor(Math.random() * 256); } }
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function csrfToken(entry) {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : (entry && entry.csrf) || "";
  }

  // --- the bar "待发送 (n)" ----------------------------------------------------------------------
  var bar = document.createElement("div");
  bar.className = "ob-bar";
  bar.setAttribute("data-outbox-bar", "");
  bar.setAttribute("role", "status");
  bar.hidden = true;
  var head = document.createElement("div");
  head.className = "ob-head";
  var count = document.createElement("strong");
  count.setAttribute("data-outbox-count", "");
  var resendButton = document.createElement("button");
  resendButton.type = "button";
  resendButton.className = "ob-btn";
  resendButton.setAttribute("data-outbox-resend", "");
  resendButton.textContent = T.resend;
  head.appendChild(count);
  head.appendChild(resendButton);
  var note = document.createElement("div");
  note.className = "ob-note";
  note.setAttribute("data-outbox-status", "");
  var itemsList = document.createElement("ul");
  itemsList.className = "ob-list";
  itemsList.setAttribute("data-outbox-items", "");
  bar.appendChild(head);
  bar.appendChild(note);
  bar.appendChild(itemsList);
  (document.querySelector("main") || document.body).insertBefore(bar, (document.querySelector("main") || document.body).firstChild);

  function say(text) { note.textContent = text || ""; }

  function render() {
    return list().then(function (items) {
      count.textContent = pendingText(items.length);
      bar.hidden = items.length === 0;
      bar.setAttribute("data-count", String(items.length));
      while (itemsList.firstChild) { itemsList.removeChild(itemsList.firstChild); }
      items.forEach(function (entry) {
        var li = document.createElement("li");
        li.setAttribute("data-outbox-item", entry.key);
        li.setAttribute("data-state", entry.state || "waiting");
        var label = document.createElement("span");
        var when = new Date(entry.at);
        label.textContent = (entry.label || gettext("表单")) + " · " +
          ("0" + when.getHours()).slice(-2) + ":" + ("0" + when.getMinutes()).slice(-2);
        li.appendChild(label);
        if (entry.message) {
          var msg = document.createElement("span");
          msg.className = "ob-msg";
          msg.textContent = (entry.state === "refused" ? T.refused + ":" : "") + entry.message;
          li.appendChild(msg);
        }
        if (entry.state === "refused") {
          var del = document.createElement("button");
          del.type = "button";
          del.className = "ob-link";
          del.textContent = T.remove;
          del.addEventListener("click", function () { remove(entry.key).then(render); });
          li.appendChild(del);
        }
        itemsList.appendChild(li);
      });
      return items;
    }, function () { return []; });
  }

  // --- sending ----------------------------------------------------------------------------------
  function formFor(entry) {
    // the form it was submitted from on this page, or one showing it again (a restored draft)
    var forms = document.querySelectorAll("form[data-outbox]");
    for (var i = 0; i < forms.length; i++) {
      var key = forms[i].querySelector("input[name=client_key]");
      if (forms[i].getAttribute("data-outbox-current") === entry.key || key && key.value === entry.key) { return forms[i]; }
    }
    return null;
  }

  function errorsFromHtml(html) {
    try {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var nodes = doc.querySelectorAll(".f-error, .m-err, .errorlist li, .invalid-feedback, [role=alert], .f-alert-error, .m-alert-error");
      var texts = [];
      Array.prototype.forEach.call(nodes, function (n) {
        var t = (n.textContent || "").replace(/\s+/g, " ").trim();
        if (t && texts.indexOf(t) < 0) { texts.push(t); }
      });
      return texts.join(" ");
    } catch (e) { return ""; }
  }

  function messageOf(data) {
    if (!data) { return ""; }
    if (typeof data.message === "string") { return data.message; }
    if (typeof data.detail === "string") { return data.detail; }
    var errors = data.errors || data;
    var texts = [];
    Object.keys(errors || {}).forEach(function (k) {
      var v = errors[k];
      if (Array.isArray(v)) { texts.push(v.join(" ")); } else if (typeof v === "string") { texts.push(v); }
    });
    return texts.join(" ");
  }

  function body(entry) {
    var fd = new FormData();
    (entry.fields || []).forEach(function (pair) { fd.append(pair[0], pair[1]); });
    (entry.files || []).forEach(function (f) { fd.append(f[0], f[1], f[2] || "upload"); });
    fd.set("csrfmiddlewaretoken", csrfToken(entry));
    // a check-in form (data-offline-time) kept on the phone says when the tap was: the server
    // keeps its own time as the check-in's and this one only as "recorded offline at"
    if (entry.offline_time && entry.waited && entry.at) {
      fd.set("recorded_offline_at", new Date(entry.at).toISOString());
    }
    return fd;
  }

  var retryTimer = null;
  function retryLater(ms) {
    if (retryTimer) { return; }
    retryTimer = window.setTimeout(function () { retryTimer = null; flush(); }, ms);
  }

  function send(entry) {
    var token = csrfToken(entry);
    return window.fetch(entry.url, {
      method: "POST", body: body(entry), credentials: "same-origin",
      headers: { "Accept": "application/json", "X-Outbox": "1", "X-CSRFToken": token }
    }).then(function (resp) {
      var type = resp.headers.get("Content-Type") || "";
      var read = type.indexOf("application/json") >= 0
        ? resp.json().catch(function () { return {}; })
        : resp.text().then(function (html) { return { message: errorsFromHtml(html), html: true }; });
      return read.then(function (data) { return answer(entry, resp.status, data); });
    }, function () {
      var form = formFor(entry);
      if (form) { form.dispatchEvent(new CustomEvent("outbox:offline", { detail: { entry: entry } })); }
      entry.state = "waiting";
      entry.message = "";
      entry.waited = true;  // not sent when made: a check-in says when it was really made
      return put(entry).then(function () { say(T.offline); return render(); }).then(function () { return "offline"; });
    });
  }

  function answer(entry, status, data) {
    var form = formFor(entry);
    var event = null;
    if (form) {
      event = new CustomEvent("outbox:answer", { cancelable: true, detail: { entry: entry, status: status, data: data } });
      form.dispatchEvent(event);
    }
    var handled = event && event.defaultPrevented;
    if (status >= 200 && status < 300) {
      return remove(entry.key).then(render).then(function () {
        if (!handled && form && data && data.location) { window.location.assign(data.location); }
        else if (!handled) { say(T.sent + (entry.label ? ":" + entry.label : "")); }
        return "sent";
      });
    }
    if (handled) { return render().then(function () { return "handled"; }); }
    if (status === 401 || status === 403 && !data.html && /登录|CSRF/i.test(messageOf(data))) {
      entry.state = "waiting";
      entry.message = T.login;
      return put(entry).then(function () { say(T.login); return render(); }).then(function () { return "login"; });
    }
    if (status >= 400 && status < 500 && status !== 409 && status !== 429) {
      entry.state = "refused";
      entry.message = messageOf(data) || String(status);
      return put(entry).then(function () { say(entry.message); return render(); }).then(function () { return "refused"; });
    }
    entry.state = "waiting";
    entry.message = T.retry;
    return put(entry).then(function () { say(T.retry); retryLater(status === 409 ? 2000 : 15000); return render(); })
      .then(function () { return "retry"; });
  }

  var flushing = null;
  function flush(options) {
    if (flushing) { return flushing.then(function () { return flush(options); }); }
    if (navigator.onLine === false) {
      return render().then(function (items) { if (items.length) { say(T.offline); } return "offline"; });
    }
    var all = options && options.all;
    flushing = list().then(function (items) {
      // a refused item waits for the user (or the button), it is not resent by itself
      var due = items.filter(function (e) { return all || e.state !== "refused"; });
      if (due.length) { say(T.sending); }
      return due.reduce(function (chain, entry) {
        return chain.then(function (results) {
          return send(entry).then(function (r) { results.push(r); return results; });
        });
      }, Promise.resolve([]));
    }).then(function (results) { flushing = null; return results; },
            function (err) { flushing = null; throw err; });
    return flushing;
  }

  // --- the forms --------------------------------------------------------------------------------
  function entryOf(form) {
    var keyInput = form.querySelector("input[name=client_key]");
    if (!keyInput) {
      keyInput = document.createElement("input");
      keyInput.type = "hidden";
      keyInput.name = "client_key";
      form.appendChild(keyInput);
    }
    if (!UUID.test(keyInput.value)) { keyInput.value = newKey(); }
    var fields = [], files = [];
    var data = new FormData(form);
    data.forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken") { return; }
      if (typeof value === "string") { fields.push([name, value]); }
      else if (value && value.size) { files.push([name, value, value.name]); }
    });
    return {
      key: keyInput.value, url: form.getAttribute("action") || window.location.pathname + window.location.search,
      label: form.getAttribute("data-outbox") || document.title, fields: fields, files: files,
      csrf: csrfToken(null), at: Date.now(), state: "waiting", page: window.location.pathname,
      offline_time: form.hasAttribute("data-offline-time")
    };
  }

  function submit(event) {
    var form = event.currentTarget;
    if (form.hasAttribute("data-outbox-plain")) { return; }  // a listener asked for a plain post
    if (!window.indexedDB || !window.fetch || !window.FormData) { return; }
    event.preventDefault();
    var entry = entryOf(form);
    form.setAttribute("data-outbox-current", entry.key);
    var buttons = form.querySelectorAll("button[type=submit], input[type=submit]");
    Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
    var done = function () { Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; }); };
    put(entry).then(function () {
      form.dispatchEvent(new CustomEvent("outbox:queued", { detail: { entry: entry } }));
      if (navigator.onLine === false) {
        form.dispatchEvent(new CustomEvent("outbox:offline", { detail: { entry: entry } }));
        say(T.offline);
        entry.waited = true;
        return put(entry).then(render);
      }
      say(T.sending);
      return send(entry);
    }).then(done, function () {
      // no storage (private mode refused it): an ordinary post
      done();
      form.setAttribute("data-outbox-plain", "");
      form.submit();
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-outbox]"), function (form) {
    form.addEventListener("submit", submit);
  });

  resendButton.addEventListener("click", function () { flush({ all: true }); });
  window.addEventListener("online", function () { flush(); });
  window.addEventListener("offline", function () { render().then(function (items) { if (items.length) { say(T.offline); } }); });

  // --- the service worker and the cached pages --------------------------------------------------
  function clearPages() {
    var sw = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (sw) { sw.postMessage({ type: "logout" }); }  // after the pages it is still writing
    if (!window.caches) { return Promise.resolve(); }
    return window.caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf("pages-") === 0; })
        .map(function (n) { return window.caches.delete(n); }));
    }).catch(function () { /* nothing cached */ });
  }
  try {
    var lastUser = window.localStorage.getItem("outbox-user");
    if (lastUser && lastUser !== userId) { clearPages(); }  // another user on this phone
    window.localStorage.setItem("outbox-user", userId);
  } catch (e) { /* no storage */ }
  Array.prototype.forEach.call(document.querySelectorAll("form[action$='/logout/']"), function (form) {
    form.addEventListener("submit", function (event) {
      if (form.hasAttribute("data-cleared")) { return; }
      event.preventDefault();
      form.setAttribute("data-cleared", "");
      try {
        window.localStorage.removeItem("outbox-user");
        window.localStorage.removeItem("outbox-warm:" + userId);
      } catch (e) { /* nothing */ }
      clearPages().then(function () { form.submit(); }, function () { form.submit(); });
    });
  });
  if (swUrl && "serviceWorker" in navigator) {
    navigator.serviceWorker.register(swUrl, { scope: "/" }).catch(function () { /* pages still work online */ });
    // the work list is fetched into the cache at most every 10 minutes (weak networks)
    navigator.serviceWorker.ready.then(function (reg) {
      var last = 0;
      try { last = parseInt(window.localStorage.getItem("outbox-warm:" + userId) || "0", 10); } catch (e) { /* none */ }
      if (navigator.onLine === false || Date.now() - last < 600000 || !reg.active) { return; }
      try { window.localStorage.setItem("outbox-warm:" + userId, String(Date.now())); } catch (e) { /* none */ }
      reg.active.postMessage({ type: "warm" });
    });
  }

  render().then(function (items) { if (items.length) { flush(); } });

  window.Outbox = { list: list, send: send, flush: flush, put: put, remove: remove, render: render, newKey: newKey };
})();
