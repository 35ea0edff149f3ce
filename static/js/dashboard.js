/* Command-centre dashboard: the 12-month trend (ECharts) and the grid risk map (Leaflet).
   Both load their data from the page's JSON endpoints; no external tiles unless configured.
   Texts come from Django's JavaScript catalogue (/jsi18n/, loaded by the base template). */
(function () {
  "use strict";

  var gettext = window.gettext || function (s) { return s; };
  var interpolate = window.interpolate || function (fmt, obj) {
    return fmt.replace(/%\((\w+)\)s/g, function (m, k) { return String(obj[k]); });
  };

  /* Tooltips and popups are built as DOM nodes with text nodes, never as HTML strings: names
     come from users (a village called "<img onerror=…>" must show as text). */
  function el_(tag, children) {
    var node = document.createElement(tag);
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function safeUrl(url) {
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/";
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }

  function trend(el) {
    if (!el || !window.echarts) { return; }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    var names = { added: gettext("新增"), closed: gettext("办结"), rate: gettext("化解率") };
    getJSON(el.dataset.src).then(function (d) {
      chart.setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { data: [names.added, names.closed, names.rate], top: 0 },
        grid: { left: 40, right: 44, top: 36, bottom: 28 },
        xAxis: { type: "category", data: d.months },
        yAxis: [{ type: "value", name: gettext("件"), minInterval: 1 }, { type: "value", name: "%", max: 100, min: 0 }],
        series: [
          { name: names.added, type: "bar", data: d.new, itemStyle: { color: "#2f6fb2" } },
          { name: names.closed, type: "bar", data: d.closed, itemStyle: { color: "#27ae60" } },
          { name: names.rate, type: "line", yAxisIndex: 1, data: d.resolution_rate, connectNulls: true,
            itemStyle: { color: "#e67e22" } }
        ]
      });
      el.dataset.ready = "1";
    }).catch(function () { el.textContent = gettext("趋势数据加载失败,请刷新页面重试。"); });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function riskMap(el) {
    if (!el || !window.L) { return; }
    var map = window.L.map(el, { preferCanvas: true, attributionControl: false });
    if (el.dataset.tiles) { window.L.tileLayer(el.dataset.tiles, { maxZoom: 18 }).addTo(map); }
    getJSON(el.dataset.src).then(function (d) {
      var grids = window.L.geoJSON(d.grids, {
        style: function (f) {
          return { color: "#555", weight: 0.6, fillColor: f.properties.colour, fillOpacity: 0.55 };
        },
        onEachFeature: function (f, layer) {
          var p = f.properties;
          layer.bindTooltip(el_("div", [
            el_("div", [String(p.village) + " " + String(p.name)]),
            el_("div", [interpolate(gettext("在办 %(open)s · 红 %(red)s · 橙 %(orange)s"),
              { open: p.open, red: p.red, orange: p.orange }, true)])
          ]));
        }
      }).addTo(map);
      window.L.geoJSON(d.cases, {
        pointToLayer: function (f, latlng) {
          return window.L.circleMarker(latlng, { radius: 4, color: "#222", weight: 1,
            fillColor: f.properties.colour, fillOpacity: 0.95 });
        },
        onEachFeature: function (f, layer) {
          var p = f.properties;
          var link = el_("a", [String(p.number)]);
          if (safeUrl(p.url)) { link.setAttribute("href", p.url); }
          layer.bindPopup(el_("div", [
            el_("div", [link]),
            el_("div", [String(p.category) + " · " + interpolate(gettext("风险分 %(score)s"), { score: p.score }, true)])
          ]));
        }
      }).addTo(map);
      var note = el.parentNode.querySelector(".map-note");
      if (note && d.cases.features.length < d.cases_total) {
        note.textContent = interpolate(gettext("仅显示风险分最高的 %(shown)s 件在办案件(共 %(total)s 件)。"),
          { shown: d.cases.features.length, total: d.cases_total }, true);
        note.hidden = false;
      }
      var bounds = grids.getBounds();
      if (bounds.isValid()) { map.fitBounds(bounds, { padding: [8, 8] }); } else { map.setView([29.15, 103.2], 10); }
      el.dataset.ready = "1";
    }).catch(function () { el.textContent = gettext("地图数据加载失败,请刷新页面重试。"); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    trend(document.getElementById("trend-chart"));
    riskMap(document.getElementById("risk-map"));
  });
})();
