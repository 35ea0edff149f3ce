/* 查看完整号码: <button data-reveal="/api/v1/personal-data/reveal/" data-kind data-id data-field>
   asks the server for one full number (the request is recorded in the access log) and shows it
   as text in place of the masked one. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-reveal]");
    if (!button) { return; }
    var body = new FormData();
    body.append("kind", button.dataset.kind);
    body.append("id", button.dataset.id);
    body.append("field", button.dataset.field);
    button.disabled = true;
    fetch(button.dataset.reveal, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": button.dataset.csrf, Accept: "application/json" }
    }).then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (d) {
        var holder = button.closest(".revealable");
        var value = holder && holder.querySelector("[data-reveal-value]");
        if (value) { value.textContent = d.value; }
        button.remove();
      })
      .catch(function () { button.disabled = false; });
  });
})();
