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
