/* The dispute report form (/m/report/): what is particular to it, on top of the one phone
   outbox (static/js/outbox.js, which queues, sends and resends the form: <form data-outbox>).

   - As the user types, the form is saved as a draft in localStorage (one per signed-in user),
     with its client key (the hidden `client_key`): reopening the page restores it.
   - When the outbox queues the report the draft is marked as queued; when the server answers
     (JSON: the view answers scripts with JSON) the case number is shown, the draft is dropped
     and the form gets a new key for the next report. A report sent later from another page
     (the outbox resends on every phone page) drops its draft the next time this page opens.
   - A report that may duplicate an open case (409 with `duplicates`) is not saved: it leaves
     the outbox, stays as the draft, and is posted once as an ordinary form so that the server
     shows the same choice as without JavaScript (link it to the case, or open a new one).
   - A refused report (400) shows the server's messages next to its fields; it stays in the
     outbox marked as refused until it is corrected (the same key) or removed.

   Texts from Django's JavaScript catalogue (/jsi18n/); the Chinese originals without it.
   window.ReportDraft exposes draftKey for tests. */
(function () {
  "use strict";

  var script = document.currentScript;
  var userId = (script && script.getAttribute("data-user")) || "anon";
  var DRAFT_KEY = "m-report-draft:" + userId;
  var gettext = window.gettext || function (s) { return s; };
  var interpolate = window.interpolate || function (fmt, obj) {
    return fmt.replace(/%\((\w+)\)s/g, function (m, k) { return String(obj[k]); });
  };
  var T = {
    offline: gettext("网络中断,已保存草稿,恢复网络后自动重新提交"),
    sending: gettext("正在提交…"),
    view: gettext("查看"),
    invalid: gettext("上报内容有误,请按提示修改后再提交"),
    duplicate: gettext("可能与已有案件重复,请在上报页选择关联到已有案件或新建案件")
  };
  function doneText(number) {
    return interpolate(gettext("已上报,案件编号 %(number)s"), { number: number }, true);
  }

  function load() {
    try { var v = window.localStorage.getItem(DRAFT_KEY); return v ? JSON.parse(v) : null; } catch (e) { return null; }
  }
  function store(value) {
    try { window.localStorage.setItem(DRAFT_KEY, JSON.stringify(value)); return true; } catch (e) { return false; }
  }
  function drop() {
    try { window.localStorage.removeItem(DRAFT_KEY); } catch (e) { /* nothing */ }
  }

  var form = document.querySelector("[data-report-form]");
  if (!form) { return; }
  var keyInput = form.querySelector("input[name=client_key]");
  var doneBox = document.querySelector("[data-report-done]");
  var status = form.querySelector("[data-submit-status]");
  var draftNote = form.querySelector("[data-draft-note]");

  function say(text) {
    if (!status) { return; }
    status.textContent = text || "";
    status.hidden = !text;
    if (text && status.scrollIntoView) { status.scrollIntoView({ block: "nearest" }); }
  }

  function collect() {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.disabled || el.type === "file") { return; }
      if (el.type === "radio") { if (el.checked) { fields[el.name] = el.value; } return; }
      if (el.type === "checkbox") { if (el.checked) { fields[el.name] = el.value || "on"; } return; }
      fields[el.name] = el.value;
    });
    return fields;
  }

  function restore(fields) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.type === "file" || el.type === "hidden" && el.name !== "client_key") { return; }
      var has = Object.prototype.hasOwnProperty.call(fields, el.name);
      if (el.type === "radio") { el.checked = has && fields[el.name] === el.value; return; }
      if (el.type === "checkbox") { el.checked = has; return; }
      if (has) { el.value = fields[el.name]; }
    });
  }

  function newKey() { return window.Outbox ? window.Outbox.newKey() : keyInput.value; }

  function saveDraft(queued) {
    var draft = { key: keyInput.value, fields: collect(), at: Date.now(), queued: !!queued };
    if (store(draft) && draftNote) { draftNote.hidden = false; }
  }

  function clearErrors() {
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

  function resetForm() {
    drop();
    form.reset();
    keyInput.value = newKey();
    if (draftNote) { draftNote.hidden = true; }
    clearErrors();
  }

  function showDone(data) {
    say("");
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

  form.addEventListener("outbox:queued", function () {
    saveDraft(true);
    clearErrors();
    say(navigator.onLine === false ? T.offline : T.sending);
  });
  form.addEventListener("outbox:offline", function () { say(T.offline); });
  form.addEventListener("outbox:answer", function (event) {
    var d = event.detail, data = d.data || {};
    if (d.entry.key !== keyInput.value) { return; }
    if (d.status === 200 || d.status === 201) {
      event.preventDefault();  // no page to go to: the number is shown here
      resetForm();
      showDone(data);
    } else if (d.status === 400) {
      showErrors(data.errors);
      say("");
    } else if (d.status === 409 && data.duplicates) {
      // nothing was saved: the same choice as without the script (link, or a new case)
      event.preventDefault();
      saveDraft(false);
      window.Outbox.remove(d.entry.key).then(function () {
        say(T.duplicate);
        form.setAttribute("data-outbox-plain", "");
        form.submit();
      });
    }
  });

  Array.prototype.forEach.call(form.querySelectorAll("[data-step]"), function (btn) {
    btn.addEventListener("click", function () {
      var input = form.querySelector("input[name=people_involved]");
      var value = (parseInt(input.value, 10) || 0) + parseInt(btn.getAttribute("data-step"), 10);
      input.value = Math.max(1, value);
      saveDraft(false);
    });
  });
  form.addEventListener("input", function () { saveDraft(false); });
  form.addEventListener("change", function () { saveDraft(false); });

  // the draft: restored, unless it was queued and has been sent since (from another page)
  var draft = load();
  if (draft && draft.fields && !form.querySelector("#duplicate-choice")) {
    var start = function (inOutbox) {
      if (draft.queued && !inOutbox) { drop(); return; }
      restore(draft.fields);
      keyInput.value = draft.key || keyInput.value;
    };
    if (window.Outbox) {
      window.Outbox.list().then(function (items) {
        start(items.some(function (e) { return e.key === draft.key; }));
      }, function () { start(true); });
    } else { start(true); }
  }

  window.ReportDraft = { draftKey: DRAFT_KEY };
})();
