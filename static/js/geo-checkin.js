// Optional GPS for check-in forms (village check-in, patrol checkpoints): fills the hidden
// lat/lon inputs of every form marked data-geo. Without geolocation, or if the user declines,
// the form is sent without a position.
(function () {
  "use strict";
  var script = document.currentScript;
  var text = {
    locating: script.dataset.locating || "…", located: script.dataset.located || "OK", failed: script.dataset.failed || "—",
  };
  function locate(form) {
    var status = form.querySelector("[data-geo-status]");
    var button = form.querySelector("[data-geo-button]");
    if (!("geolocation" in navigator)) { return; }
    if (button) { button.hidden = false; }
    function ask() {
      if (status) { status.textContent = text.locating; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.querySelectorAll("input[name$='lat']").forEach(function (i) { i.value = pos.coords.latitude.toFixed(6); });
        form.querySelectorAll("input[name$='lon']").forEach(function (i) { i.value = pos.coords.longitude.toFixed(6); });
        if (status) { status.textContent = text.located + " " + pos.coords.latitude.toFixed(5) + ", " + pos.coords.longitude.toFixed(5); }
      }, function () {
        if (status) { status.textContent = text.failed; }
      }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    }
    if (button) { button.addEventListener("click", ask); }
    ask();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-geo]").forEach(locate);
  });
})();
