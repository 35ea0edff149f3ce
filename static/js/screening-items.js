/* The "add another" button: clone the formset's empty form (no framework). Without script, the page still
   files the items shown. Also hides the new-case fields when an existing case is chosen. */
(function () {
  function toggle(item) {
    var sel = item.querySelector("select[name$='-case']");
    var box = item.querySelector("[data-new-case]");
    if (sel && box) { box.hidden = !!sel.value; }
  }
  function wire(item) {
    var sel = item.querySelector("select[name$='-case']");
    if (sel) { sel.addEventListener("change", function () { toggle(item); }); }
    toggle(item);
  }
  document.querySelectorAll("[data-item]").forEach(wire);
  var add = document.querySelector("[data-add-item]");
  var tpl = document.getElementById("item-template");
  var total = document.querySelector("input[name='items-TOTAL_FORMS']");
  var list = document.querySelector("[data-items]");
  if (!add || !tpl || !total || !list) { return; }
  add.hidden = false;
  add.addEventListener("click", function () {
    var n = parseInt(total.value, 10);
    var html = tpl.innerHTML.replace(/__prefix__/g, String(n)).replace(/__number__/g, String(n + 1));
    var wrap = document.createElement("div");
    wrap.innerHTML = html.trim();
    var item = wrap.firstElementChild;
    list.appendChild(item);
    total.value = String(n + 1);
    wire(item);
    item.scrollIntoView({behavior: "smooth", block: "start"});
  });
})();
