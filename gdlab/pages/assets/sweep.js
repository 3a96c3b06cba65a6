/* A sweep's page: the slider steps through the points; the words, the path in (w, b) and the
   loss curves follow. The points come from <script id="data">. */
(function () {
  "use strict";
  var data = gd.data(), points = data.points;
  points.forEach(function (p) {
    if (p.curve) p.curve = gdc.numbers(p.curve);
    if (p.path) p.path = gdc.numbers(p.path);
  });
  var slider = document.getElementById("point");
  var text = document.getElementById("point-text");
  var pathBox = document.getElementById("path-chart"), lossBox = document.getElementById("loss-chart");
  var plots = [];

  /* What became of a point, in words and numbers. */
  function outcome(p) {
    if (p.status === "unreadable") return "unreadable: " + (p.problem || "no summary.json");
    var s = p.status;
    if (typeof p.epochs === "number") s += " after " + gd.int(p.epochs) + " epochs";
    if (p.first_inf_epoch !== null) s += "; the loss is inf from epoch " + gd.int(p.first_inf_epoch);
    if (p.first_nan_epoch !== null) s += " and nan from epoch " + gd.int(p.first_nan_epoch);
    if (typeof p.final_loss === "number" && isFinite(p.final_loss)) s += "; final loss " + gd.num(p.final_loss);
    return s;
  }

  /* The path in (w, b), drawn in the order the steps were taken (uPlot's faceted mode). */
  function drawPath(u, si) {
    var d = u.data[si], ctx = u.ctx, s = u.series[si];
    ctx.save();
    ctx.beginPath();
    ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    ctx.clip();
    ctx.strokeStyle = typeof s.stroke === "function" ? s.stroke(u, si) : s.stroke;
    ctx.fillStyle = ctx.strokeStyle;
    ctx.lineWidth = 1.5 * uPlot.pxRatio;
    ctx.beginPath();
    for (var i = 0; i < d[0].length; i++) {
      var x = u.valToPos(d[0][i], "x", true), y = u.valToPos(d[1][i], "y", true);
      if (s.label === "path") { if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y); }
      else { ctx.moveTo(x + 5 * uPlot.pxRatio, y); ctx.arc(x, y, 5 * uPlot.pxRatio, 0, 2 * Math.PI); }
    }
    s.label === "path" ? ctx.stroke() : ctx.fill();
    ctx.restore();
    return null;
  }

  function pathChart(p) {
    var v = data.view;
    var series = [{}, { label: "path", stroke: gdc.color(0), paths: drawPath,
      facets: [{ scale: "x", auto: false }, { scale: "y", auto: false }] }];
    var rows = [null, p.path];
    if (p.optimum) {
      series.push({ label: "optimum", stroke: "#1d2430", paths: drawPath,
        facets: [{ scale: "x", auto: false }, { scale: "y", auto: false }] });
      rows.push([[p.optimum[0]], [p.optimum[1]]]);
    }
    return new uPlot({
      mode: 2, width: gd.width(pathBox), height: 300, legend: { show: false }, cursor: { show: false },
      scales: { x: { time: false, auto: false, range: [v[0], v[1]] }, y: { auto: false, range: [v[2], v[3]] } },
      axes: [{ label: "w" }, { label: "b" }],
      series: series,
    }, rows, pathBox);
  }

  function pathWords(p) {
    var n = p.path[0].length, end = "(" + gd.num(p.path[0][n - 1]) + ", " + gd.num(p.path[1][n - 1]) + ")";
    var s = "Path of (w, b) for " + p.text + ": from (" + gd.num(p.path[0][0]) + ", " + gd.num(p.path[1][0]) + ")";
    s += p.leaves_view !== null ? ", leaving the view at epoch " + gd.int(p.leaves_view) : " to " + end;
    if (p.optimum) s += "; the dot is the least-squares optimum (" + gd.num(p.optimum[0]) + ", " + gd.num(p.optimum[1]) + ")";
    return s + ".";
  }

  function draw(i) {
    var p = points[i];
    plots.forEach(function (u) { u.destroy(); });
    plots = [];
    var figure = document.getElementById("path-figure");
    figure.hidden = !(p.path && data.view);
    if (!figure.hidden) {
      plots.push(pathChart(p));
      document.getElementById("path-caption").textContent = pathWords(p);
      pathBox.setAttribute("aria-label", pathWords(p));
    }
    var drawn = points.filter(function (q) { return q.curve; });
    var series = drawn.map(function (q) {
      var me = q === p;
      return { label: q.text, stroke: me ? gdc.color(1) : "#b9c0cc", width: me ? 2.6 : 1 };
    });
    var loss = gdc.lossChart(lossBox, drawn.map(function (q) { return q.curve; }), series, 300, false);
    if (loss) plots.push(loss);
    var words = "Loss (mean squared error, log scale) per epoch: " + p.text + " in orange, the sweep's other " +
      "points in grey; a line that leaves the top diverged.";
    if (figure.hidden) words += " (A path in (w, b) is drawn for runs of one feature; this one has " +
      (p.path ? "no view to draw it in" : "more, or no readable metrics.csv") + ".)";
    document.getElementById("loss-caption").textContent = words;
    lossBox.setAttribute("aria-label", words + " " + p.text + ": " + outcome(p) + ".");
  }

  function show(i) {
    var p = points[i];
    var said = p.text + " (point " + (i + 1) + " of " + points.length + "): " + outcome(p);
    text.textContent = said;
    slider.setAttribute("aria-valuetext", said);
    draw(i);
  }

  if (!points.length) {
    text.textContent = "This sweep has no points yet.";
    slider.disabled = true;
    return;
  }
  slider.addEventListener("input", function () { show(Number(slider.value)); });
  var timer = null;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { draw(Number(slider.value)); }, 80);
  });
  show(Number(slider.value));
})();
