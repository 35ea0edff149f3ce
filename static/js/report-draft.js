/* Grid worker's dispute report (/m/report/): a draft kept on the phone, and an outbox that survives
   a dropped network.

   - As the user types, the form is saved to localStorage (one draft per signed-in user).
   - Each draft carries a client key (crypto.randomUUID(), with a fallback) in the hidden
     `client_key` field. The server makes at most one case per key, so sending the same report
     again — after a timeout, twice at once, from the outbox on the next page load — returns the
     case made the first time.
   - Submitting puts the report in the outbox, then POSTs it with fetch(). If the network is down
     (navigator.onLine false, or fetch rejects) the report stays in the outbox and is sent again
     on the `online` event and on the next page load (any /m/ page). When the server answers, the
     report leaves the outbox, the draft is cleared and the case number is shown.
   - A report that may duplicate an open case (the server answers 409 with `duplicates`) is
     not saved: it goes back to being a draft and, on the report page, is posted once as an
     ordinary form so that the server shows the same choice as without JavaScript (link it to
     the case, or open a new one); a report whose choice was made is linked when it is resent.
   - Without JavaScript the form is an ordinary POST (the server puts a key in the hidden field).

   Texts come from Django's JavaScript catalogue (/jsi18n/, loaded by the phone base template
   before this script); without it the Chinese originals are shown.

   `window.ReportDraft` exposes flush() and send(entry) for tests and the console. */
(function () {
  "use strict";

  var script = document.currentScript;
  var userId = (script && script.getAttribute("data-user")) || "anon";
  var DRAFT_KEY = "m-report-draft:" + userId;
  var OUTBOX_KEY = "m-report-outbox:" + userId;
  var gettext = window.gettext || function (s) { return s; };
  var ngettext = window.ngettext || function (s, p, n) { return n === 1 ? s : p; };
  var interpolate = window.interpolate || function (fmt, obj) {
    return fmt.replace(/%\((\w+)\)s/g, function (m, k) { return String(obj[k]); });
  };
  var T = {
    offline: gettext("网络中断,已保存草稿,恢复网络后自动重新提交"),
    sending: gettext("正在提交…"),
    view: gettext("查看"),
    retry: gettext("服务器暂时无法处理,稍后自动重新提交"),
    login: gettext("登录已过期,请重新登录;上报已保存,登录后自动重新提交"),
    invalid: gettext("上报内容有误,请按提示修改后再提交"),
    duplicate: gettext("可能与已有案件重复,请在上报页选择关联到已有案件或新建案件")
  };
  function doneText(number) {
    return interpolate(gettext("已上报,案件编号 %(number)s"), { number: number }, true);
  }
  function pendingText(n) {
    return interpolate(ngettext("有 %(n)s 条上报等待发送,恢复网络后自动重新提交",
                                "有 %(n)s 条上报等待发送,恢复网络后自动重新提交", n), { n: n }, true);
  }

  // --- storage (private browsing may refuse it: then the form still posts normally) ---------
  function load(key, fallback) {
    try { var v = window.localStorage.getItem(key); return v ? JSON.parse(v) : fallback; } catch (e) { return fallback; }
  }
  function store(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); return true; } catch (e) { return false; }
  }
  function drop(key) {
    try { window.localStorage.removeItem(key); } catch (e) { /* nothing */ }
  }
  function outbox() { return load(OUTBOX_KEY, []); }
  function putOutbox(entry) {
    var box = outbox().filter(function (e) { return e.key !== entry.key; });
    box.push(entry);
    store(OUTBOX_KEY, box);
  }
  function removeOutbox(key) {
    store(OUTBOX_KEY, outbox().filter(function (e) { return e.key !== key; }));
  }

  // --- client key ---------------------------------------------------------------------------
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

  // --- messages -----------------------------------------------------------------------------
  // shown at the top of every /m/ page, and next to the submit button of the form
  var notes = document.querySelectorAll("[data-outbox-note], [data-submit-status]");
  function say(text) {
    Array.prototype.forEach.call(notes, function (note) {
      note.textContent = text;
      note.hidden = !text;
      if (text && note.hasAttribute("data-submit-status") && note.scrollIntoView) { note.scrollIntoView({ block: "nearest" }); }
    });
  }
  function showPending() {
    var n = outbox().length;
    say(n ? pendingText(n) : "");
  }

  // --- the form -----------------------------------------------------------------------------
  var form = document.querySelector("[data-report-form]");
  var keyInput = form && form.querySelector("input[name=client_key]");
  var doneBox = document.querySelector("[data-report-done]");

  function collect() {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.disabled) { return; }
      if (el.type === "radio") { if (el.checked) { fields[el.name] = el.value; } return; }
      if (el.type === "checkbox") { if (el.checked) { fields[el.name] = el.value || "on"; } return; }
      fields[el.name] = el.value;
    });
    return fields;
  }

  function restore(fields) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.type === "hidden" && el.name !== "client_key") { return; }
      var has = Object.prototype.hasOwnProperty.call(fields, el.name);
      if (el.type === "radio") { el.checked = has && fields[el.name] === el.value; return; }
      if (el.type === "checkbox") { el.checked = has; return; }
      if (has) { el.value = fields[el.name]; }
    });
  }

  var draftNote = form && form.querySelector("[data-draft-note]");
  function saveDraft() {
    if (!form) { return; }
    if (store(DRAFT_KEY, { key: keyInput.value, fields: collect(), at: Date.now() }) && draftNote) {
      draftNote.hidden = false;
    }
  }

  function startDraft() {
    var draft = load(DRAFT_KEY, null);
    if (draft && draft.fields) {
      restore(draft.fields);
      keyInput.value = draft.key || draft.fields.client_key || newKey();
    } else {
      keyInput.value = newKey();
    }
  }

  function resetForm() {
    drop(DRAFT_KEY);
    form.reset();
    keyInput.value = newKey();
    if (draftNote) { draftNote.hidden = true; }
    clearErrors();
  }

  function clearErrors() {
    if (!form) { return; }
    Array.prototype.forEach.call(form.querySelectorAll("[data-error-for]"), function (el) { el.textContent = ""; });
    var top = form.querySelector("[data-form-error]");
    if (top) { top.textContent = ""; top.hidden = true; }
  }

  function showErrors(errors) {
    clearErrors();
    var top = form.querySelector("[data-form-error]");
    var rest = [];
    Object.keys(errors || {}).forEach(function (field) {
      var slot = form.querySelector("[data-error-for='" + field + "']");
      var text = (errors[field] || []).join(" ");
      if (slot) { slot.textContent = text; } else { rest.push(text); }
    });
    if (top) {
      top.textContent = rest.length
        ? interpolate(gettext("%(message)s:%(details)s"), { message: T.invalid, details: rest.join(" ") }, true)
        : interpolate(gettext("%(message)s。"), { message: T.invalid }, true);
      top.hidden = false;
      top.scrollIntoView({ block: "center" });
    }
  }

  function showDone(data) {
    say(outbox().length ? pendingText(outbox().length) : "");
    if (!doneBox) { return; }
    doneBox.textContent = doneText(data.number) + " ";
    if (data.url) {
      var a = document.createElement("a");
      a.href = data.url;
      a.textContent = T.view;
      doneBox.appendChild(a);
    }
    doneBox.setAttribute("data-number", data.number);
    doneBox.hidden = false;
    doneBox.focus();
    window.scrollTo(0, 0);
  }

  // --- sending ------------------------------------------------------------------------------
  var retryTimer = null;
  function retryLater(ms) {
    if (retryTimer) { return; }
    retryTimer = window.setTimeout(function () { retryTimer = null; flush(); }, ms);
  }

  function send(entry) {
    var body = new URLSearchParams();
    Object.keys(entry.fields).forEach(function (name) { body.append(name, entry.fields[name]); });
    var token = csrfToken(entry);
    body.set("csrfmiddlewaretoken", token);
    return window.fetch(entry.url, {
      method: "POST", body: body, credentials: "same-origin", redirect: "error",
      headers: { "Accept": "application/json", "X-CSRFToken": token }
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) { return handle(entry, resp.status, data); });
    }, function () {
      say(T.offline);
      return "offline";
    });
  }

  function handle(entry, status, data) {
    var draft = load(DRAFT_KEY, null);
    var isCurrent = form && keyInput && keyInput.value === entry.key;
    if (status === 200 || status === 201) {
      removeOutbox(entry.key);
      if (draft && draft.key === entry.key) { drop(DRAFT_KEY); }
      if (isCurrent) { resetForm(); }
      if (form) { showDone(data); } else { say(outbox().length ? pendingText(outbox().length) : doneText(data.number)); }
      return "sent";
    }
    if (status === 400) {
      // resending will not help: the report goes back to being a draft to correct
      removeOutbox(entry.key);
      if (!draft) { store(DRAFT_KEY, { key: entry.key, fields: entry.fields, at: Date.now() }); }
      if (isCurrent) { showErrors(data.errors); say(""); } else { say(T.invalid); }
      return "invalid";
    }
    if (status === 409 && data.duplicates) {
      // a possible duplicate of an open case: nothing was saved; the same choice as on the page
      // (link to the case, or open a new one). The report goes back to being a draft; on the
      // report page it is posted once without the script, and the server shows the choice.
      removeOutbox(entry.key);
      if (!draft) { store(DRAFT_KEY, { key: entry.key, fields: entry.fields, at: Date.now() }); }
      say(T.duplicate);
      if (isCurrent) { form.removeEventListener("submit", submit); form.submit(); }
      return "duplicate";
    }
    if (status === 401 || status === 403) {
      say(T.login);
      return "login";
    }
    say(T.retry);
    retryLater(status === 409 ? 1500 : 15000);
    return "retry";
  }

  var flushing = null;
  function flush() {
    if (flushing) { return flushing; }
    if (navigator.onLine === false) {
      if (outbox().length) { say(T.offline); }
      return Promise.resolve("offline");
    }
    var entries = outbox();
    if (!entries.length) { return Promise.resolve("empty"); }
    flushing = entries.reduce(function (chain, entry) {
      return chain.then(function (results) {
        return send(entry).then(function (r) { results.push(r); return results; });
      });
    }, Promise.resolve([])).then(function (results) {
      flushing = null;
      return results;
    }, function (err) {
      flushing = null;
      throw err;
    });
    return flushing;
  }

  function submit(event) {
    event.preventDefault();
    if (!keyInput.value) { keyInput.value = newKey(); }
    saveDraft();
    var entry = { key: keyInput.value, url: form.getAttribute("action") || window.location.pathname,
                  fields: collect(), csrf: csrfToken(null), at: Date.now() };
    putOutbox(entry);
    clearErrors();
    if (navigator.onLine === false) { say(T.offline); return; }
    say(T.sending);
    var button = form.querySelector("[data-submit]");
    if (button) { button.disabled = true; }
    var done = function () { if (button) { button.disabled = false; } };
    // a flush already under way sends this entry too, or the next one picks it up
    (flushing ? flushing.then(flush) : flush()).then(done, done);
  }

  if (form && keyInput) {
    startDraft();
    form.addEventListener("input", saveDraft);
    form.addEventListener("change", saveDraft);
    form.addEventListener("submit", submit);
    Array.prototype.forEach.call(form.querySelectorAll("[data-step]"), function (btn) {
      btn.addEventListener("click", function () {
        var input = form.querySelector("input[name=people_involved]");
        var value = (parseInt(input.value, 10) || 0) + parseInt(btn.getAttribute("data-step"), 10);
        input.value = Math.max(1, value);
        saveDraft();
      });
    });
  }

  window.addEventListener("online", function () { flush(); });
  window.addEventListener("offline", function () { if (outbox().length) { say(T.offline); } });
  showPending();
  if (outbox().length) { flush(); }

  window.ReportDraft = { flush: flush, send: send, outboxKey: OUTBOX_KEY, draftKey: DRAFT_KEY };
})();
