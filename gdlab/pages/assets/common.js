/* gdlab's pages: what every page shares. The data comes from <script id="data">. */
"use strict";
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
    return x.toExponential(d - 1).replace("e+", "e");
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
