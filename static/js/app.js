/* Small page behaviours; every page works without them. */
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  onReady(function () {
    // <select data-autosubmit> submits its form on change (language switcher, list filters).
    document.addEventListener("change", function (event) {
      var el = event.target;
      if (el.matches && el.matches("select[data-autosubmit]") && el.form && !el.form.hasAttribute("hx-get")) {
        el.form.submit();
      }
    });

    // htmx list filters (hx-trigger="submit, filters-typed delay:400ms, filters-changed"): typing in
    // the search box or changing a select refreshes the results. Signalled from here rather than
    // with htmx's trigger filters ("input[target.name=='q']"), which need eval: the CSP forbids it.
    function signal(form, name) {
      if (form && form.hasAttribute("hx-get")) form.dispatchEvent(new CustomEvent(name, { bubbles: true }));
    }
    document.addEventListener("input", function (event) {
      var el = event.target;
      if (el.name === "q") signal(el.form, "filters-typed");
    });
    document.addEventListener("change", function (event) {
      var el = event.target;
      if (el.tagName === "SELECT") signal(el.form, "filters-changed");
    });

    // <form data-confirm="…"> asks before submitting (ending an assignment, …).
    document.addEventListener("submit", function (event) {
      var form = event.target;
      var question = form.getAttribute && form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) event.preventDefault();
    });

    // Success messages fade out after a while; errors stay until dismissed.
    window.setTimeout(function () {
      document.querySelectorAll(".messages .alert-success").forEach(function (el) {
        if (window.bootstrap && window.bootstrap.Alert) window.bootstrap.Alert.getOrCreateInstance(el).close();
      });
    }, 6000);
  });
})();
