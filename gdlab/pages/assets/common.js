/* gdlab's pages: what every page shares. The data comes from <script id="data">. */
"use strict";
function isPow10(v) {
  var e = Math.round(Math.log10(v));
  return Math.abs(v - Math.pow(10, e)) <= 1e-9 * v;
}
var gd = {
  /* The page's data; the strings "inf", "-inf" and "nan" become numbers again. */
  data: function () {
    return JSON.parse(document.getElementById("data").textContent, function (key, value) {
      if (value === "inf") return Infinity;
      if (value === "-inf") return -Infinity;
      if (value === "nan") return NaN;
      return value;
    });
  },
  /* An epoch count as people write it: 3,129. */
  int: function (n) {
    return n === null || n === undefined ? "never" : Math.round(n).toLocaleString("en-US");
  },
  /* A number in at most `digits` significant digits, as gdlab's tables write it. */
  num: function (x, digits) {
    if (x === null || x === undefined) return "—";
    if (!isFinite(x)) return isNaN(x) ? "nan" : (x > 0 ? "inf" : "-inf");
    if (x === 0) return "0";
    var d = digits || 4, a = Math.abs(x);
    if (a >= 1e-4 && a < 1e6) return String(Number(x.toPrecision(d)));
    var parts = x.toExponential(d - 1).split("e");  // 1.000e-6 -> 1e-6, as Python's %g
    return Number(parts[0]) + "e" + parts[1].replace("+", "");
  },
  /* A log axis: labels on the powers of ten only, short (1e-6, 0.01, 100, 1e5). */
  logAxis: function (label) {
    return {
      label: label,
      values: function (u, splits) {
        var decades = splits.filter(function (v) { return v && isPow10(v); }).length;
        var every = Math.ceil(decades * 16 / Math.max(1, u.bbox.height / devicePixelRatio));
        return splits.map(function (v) {
          if (!v || !isPow10(v)) return "";  // uPlot passes null for a tick it has no room for
          var e = Math.round(Math.log10(v));
          if (e % every !== 0) return "";
          return e >= -3 && e <= 4 ? String(Number(v.toPrecision(1))) : "1e" + e;
        });
      },
    };
  },
  /* A chart's width: its box's, within the page. */
  width: function (el) {
    return Math.max(260, Math.floor(el.getBoundingClientRect().width));
  },
  /* Charts redraw at their box's width whenever the window's width changes. */
  onResize: function (charts) {
    var timer = null;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        charts.forEach(function (c) { c.plot.setSize({ width: gd.width(c.box), height: c.height }); });
      }, 80);
    });
  },
};
