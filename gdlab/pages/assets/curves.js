/* Loss charts shared by the dashboard and the sweep pages: uPlot, epochs across, the loss on
   a log axis. A loss that is inf, nan or above the chart ends its line at the top edge:
   a diverging run leaves the chart, as in gdlab's loss_curves.png. */
"use strict";
var gdc = {
  /* Colours told apart by people with any common colour blindness (Okabe and Ito). */
  COLORS: ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"],

  color: function (i) { return gdc.COLORS[i % gdc.COLORS.length]; },

  /* A curve's columns as the page embeds them, "0,1,2" and "343.2,160.1,Infinity",
     made numbers again (the text is smaller and quicker to write: gdlab/pages/curves.py). */
  numbers: function (columns) {
    return columns.map(function (text) { return text.split(",").map(Number); });
  },

  /* The range of the loss axis: every finite loss down to the lowest, and up to ten times
     the highest first loss (a diverging curve runs off the top). null if nothing to draw. */
  range: function (curves) {
    var lo = Infinity, top = 0;
    curves.forEach(function (c) {
      var first = c[1].find(function (y) { return isFinite(y) && y > 0; });
      if (first !== undefined) top = Math.max(top, first * 10);
      c[1].forEach(function (y) { if (isFinite(y) && y > 0) lo = Math.min(lo, y); });
    });
    if (lo === Infinity) return null;
    // whole decades, so a line cut at the top is cut at the chart's edge
    return [Math.pow(10, Math.floor(Math.log10(lo))), Math.pow(10, Math.ceil(Math.log10(Math.max(top, lo * 10))))];
  },

  /* A loss curve fit for a log axis: gaps for what a log cannot show, and a line that
     reaches `top` (or inf) ends there. */
  forLog: function (ys, top) {
    var out = [], ended = false;
    ys.forEach(function (y) {
      if (ended) { out.push(null); return; }
      if (y > top) { out.push(top); ended = true; return; }
      out.push(isFinite(y) && y > 0 ? y : null);
    });
    return out;
  },

  /* A uPlot chart of loss curves ([epochs, losses] each) in `box`; `series` gives each its
     label, stroke and width. null when no curve has a loss to show. */
  lossChart: function (box, curves, series, height, legend) {
    var range = gdc.range(curves);
    if (range === null) return null;
    var tables = curves.map(function (c) { return [c[0], gdc.forLog(c[1], range[1])]; });
    var data = tables.length === 1 ? tables[0] : uPlot.join(tables);
    var opts = {
      width: gd.width(box),
      height: height,
      legend: { show: legend },
      scales: {
        x: { time: false },
        y: { distr: 3, range: function () { return range; } },
      },
      axes: [{ label: "epoch" }, gd.logAxis("loss (MSE)")],
      series: [{ label: "epoch" }].concat(series.map(function (s) {
        return { label: s.label, stroke: s.stroke, width: s.width || 1.6, spanGaps: true,
          points: { show: false }, value: function (u, v) { return v === null ? "—" : gd.num(v); } };
      })),
    };
    return new uPlot(opts, data, box);
  },
};
