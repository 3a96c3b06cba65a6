/* explore.html: drag the learning rate; the path, the loss and the eigen-errors follow.
 *
 * The words come from gdlab's theory, computed in Python for every slider position
 * (D.slider.predictions). The curves are the closed form of gradient descent on the
 * quadratic bowl: along eigenvector i the error after k epochs is c_i (1 - lr λ_i)^k.
 */
"use strict";
(function () {
  var D = gd.data();
  var run = D.run, names = D.names, lam = D.eigenvalues, V = D.eigenvectors;
  var P = D.slider.predictions, own = D.slider.own, tol = D.tol;
  var p = names.length;
  var COLOURS = ["#1f5fbf", "#d1495b", "#2a9d8f", "#e9a23b", "#6a4c93", "#3d405b"];

  function dot(a, b) { var s = 0; for (var i = 0; i < a.length; i++) s += a[i] * b[i]; return s; }
  var e0 = D.theta0.map(function (t, i) { return t - D.theta_ls[i]; });
  var c0 = V.map(function (v) { return dot(v, e0); });  // the start's error along each eigenvector

  // The epochs drawn: every one for a short run, else the first 300 and 2,000 more spread out.
  var epochs = sampleEpochs(run.epochs);
  function sampleEpochs(n) {
    var seen = {}, out = [];
    function add(k) { k = Math.round(k); if (k >= 0 && k <= n && !seen[k]) { seen[k] = true; out.push(k); } }
    if (n <= 3000) { for (var k = 0; k <= n; k++) add(k); return out; }
    for (var j = 0; j <= 300; j++) add(j);
    for (var m = 0; m <= 2000; m++) { add(n * m / 2000); add(Math.pow(n, m / 2000)); }
    D.observed.epoch.forEach(add);
    return out.sort(function (a, b) { return a - b; });
  }
  var index = {};  // epoch -> column of the charts' x
  epochs.forEach(function (k, i) { index[k] = i; });

  // What gradient descent at rate lr does from the run's start, at the sampled epochs.
  function predicted(lr) {
    var rho = lam.map(function (l) { return 1 - lr * l; });
    var modes = lam.map(function () { return []; }), thetas = [], loss = [];
    epochs.forEach(function (k) {
      var c = c0.map(function (ci, i) { return ci * Math.pow(rho[i], k); });
      var theta = D.theta_ls.map(function (t, j) {
        var s = t; for (var i = 0; i < p; i++) s += c[i] * V[i][j]; return s;
      });
      var excess = 0; for (var i = 0; i < p; i++) excess += 0.5 * lam[i] * c[i] * c[i];
      c.forEach(function (ci, i) { modes[i].push(positive(Math.abs(ci))); });
      thetas.push(theta);
      loss.push(positive(D.loss_min + excess));
    });
    return { modes: modes, thetas: thetas, loss: loss };
  }
  function positive(x) { return isFinite(x) && x > 0 ? x : null; }

  // The run as recorded, on the same epochs (null where it logged none).
  var obs = D.observed;
  function onEpochs(values) {
    var out = epochs.map(function () { return null; });
    obs.epoch.forEach(function (k, r) { if (k in index) out[index[k]] = positive(values[r]); });
    return out;
  }
  var obsThetas = obs.epoch.map(function (_, r) { return obs.theta.map(function (col) { return col[r]; }); });
  var obsLoss = onEpochs(obs.loss);
  var obsModes = V.map(function (v) {
    return onEpochs(obsThetas.map(function (t) {
      return Math.abs(dot(v, t.map(function (x, j) { return x - D.theta_ls[j]; })));
    }));
  });

  // ---- the words ----
  function words(q) {
    var lead = q.beta ? "With momentum β = " + q.beta + ": " : "";
    return lead + plainWords(q);
  }
  function plainWords(q) {
    if (q.outcome === "converges" && q.epochs_to_tol === null && q.frozen)
      return "Never within " + gd.num(tol) + ": " + q.frozen + ".";
    if (q.outcome === "converges" && q.epochs_to_tol === null)
      return "Converges, but not to within " + gd.num(tol) + " in the " + gd.int(run.epochs) + " epochs drawn.";
    if (q.outcome === "converges") {
      var each = q.epochs_to_tol_per_param || {};
      var per = names.filter(function (n) { return n in each; })
        .map(function (n) { return n + " from epoch " + gd.int(each[n]); });
      var text = "Converges: within " + gd.num(tol) + " of the optimum for good from epoch " +
        gd.int(q.epochs_to_tol) + (per.length ? " (" + per.join(", ") + ")." : ".");
      if (q.epochs_to_tol !== null && q.epochs_to_tol > run.epochs)
        text += " That is beyond this run's " + gd.int(run.epochs) + " epochs.";
      if (q.frozen) text += " Note: " + q.frozen + ".";
      return text;
    }
    if (q.first_inf_epoch !== null && q.computed_here && !q.momentum_theory)
      return "Diverges: the bowl's loss overflows to inf at epoch " + gd.int(q.first_inf_epoch) +
        (q.first_nan_epoch !== null ? " and turns nan at epoch " + gd.int(q.first_nan_epoch) : "") +
        " (a run's own loss, summed sample by sample, can overflow a few epochs sooner).";
    if (q.first_inf_epoch !== null)
      return "Diverges: the loss overflows to inf at epoch " + gd.int(q.first_inf_epoch) +
        (q.first_nan_epoch !== null ? " and turns nan at epoch " + gd.int(q.first_nan_epoch) : "") + ".";
    if (q.computed_here || q.momentum_theory)
      return "Diverges: along at least one eigenvector the error grows every epoch (the factors below).";
    return "Does not converge: lr·λmax ≥ 2, so the error along the fastest eigenvector never shrinks.";
  }
  function factors(q) {
    if (q.computed_here || q.momentum_theory)
      return "Error factor per epoch in the long run along each eigenvector (the 2×2 system's spectral radius): " +
        q.rates.map(function (r, i) {
          var kind = r >= 1 ? (q.oscillates[i] ? "grows, oscillating" : "grows") :
            q.oscillates[i] ? "under-damped: oscillates" : "over-damped";
          return "v" + (i + 1) + " " + gd.num(r, 6) + " (" + kind + ")";
        }).join(", ") + ".";
    return "Error factor per epoch along each eigenvector, |1 − lr·λ|: " +
      q.rates.map(function (r, i) { return "v" + (i + 1) + " " + gd.num(r, 6); }).join(", ") + ".";
  }

  var MODES_PLAIN = "|c_i|, the distance to the optimum along each eigenvector of the Hessian, on a log " +
    "scale: each shrinks (or grows) by the factor |1 − lr·λ_i| every epoch, a straight line. Dashes: the " +
    "run as recorded. The dotted line is the tolerance.";
  var MODES_MOMENTUM = "|c_i|, the distance to the optimum along each eigenvector, on a log scale. With " +
    "momentum each direction is a 2×2 linear system: under-damped, it swings through the optimum (the " +
    "dips) while its envelope shrinks by the factor below; over-damped, it creeps in without crossing. " +
    "Dashes: the run as recorded. The dotted line is the tolerance.";

  // ---- momentum (runs with momentum): computed in the page, see momentum.js ----
  var M = D.momentum, betaSlider = document.getElementById("beta");
  if (M) {
    document.getElementById("beta-box").hidden = false;
    betaSlider.max = M.betas.length - 1;
    betaSlider.value = M.own;
  }
  function beta() { return M ? M.betas[Number(betaSlider.value)] : 0; }
  function momentumBlock(p) {  // summary.json's momentum block, in the words' terms
    return Object.assign({}, p, { oscillates: p.momentum.oscillates, computed_here: false, momentum_theory: true });
  }
  function withMomentum(lr, b) {
    var sim = gdMomentum.simulate(D, epochs, lr, b, M.nesterov, M.dampening);
    var c = sim.curves;
    return { q: sim.prediction, now: {
      modes: c.modes.map(function (m) { return m.map(positive); }), thetas: c.thetas, loss: c.loss.map(positive),
    } };
  }

  // ---- the slider ----
  var slider = document.getElementById("lr"), shown = document.getElementById("lr-value");
  slider.max = P.length - 1;
  slider.value = own;
  function fraction(lr) {  // where a rate sits on the slider, between its neighbours in log
    for (var i = 0; i < P.length - 1; i++) {
      if (P[i + 1].lr >= lr) {
        var f = (Math.log(lr) - Math.log(P[i].lr)) / (Math.log(P[i + 1].lr) - Math.log(P[i].lr));
        return (i + Math.min(1, Math.max(0, f))) / (P.length - 1);
      }
    }
    return 1;
  }
  var ticks = {};
  function tick(kind, lr, text) {  // a labelled mark under the slider, where rate lr sits
    var span = ticks[kind] || document.createElement("span");
    ticks[kind] = span;
    span.className = kind;
    span.textContent = text;
    span.hidden = !(lr >= P[0].lr && lr <= P[P.length - 1].lr);
    span.style.left = "calc(8px + (100% - 16px) * " + fraction(lr) + ")";
    document.getElementById("lr-ticks").appendChild(span);
  }
  tick("own", run.lr, "this run " + gd.num(run.lr));
  function criticalTick(b) {  // with momentum the limit moves: 2(1 + β)/λmax for heavy ball
    tick("best", D.best_lr, (b ? "best without momentum " : "best ") + gd.num(D.best_lr, 3));
    if (!b) return tick("critical", D.critical_lr, "critical 2/λmax " + gd.num(D.critical_lr, 3));
    var limit = gdMomentum.limit(lam[lam.length - 1], b, M.nesterov, M.dampening);
    tick("critical", limit, "critical at β = " + b + ": " + gd.num(limit, 3));
  }

  // ---- the charts ----
  var charts = [];
  function chart(id, opts, data, height) {
    var box = document.getElementById(id);
    opts.legend = opts.legend || { live: false };
    opts.padding = [12, 24, 0, 0];  // room for the x axis's last label
    opts.width = gd.width(box);
    opts.height = height;
    var plot = new uPlot(opts, data, box);
    charts.push({ plot: plot, box: box, height: height });
    return plot;
  }
  // Log scales from a floor below the interesting part to a ceiling above the start: a
  // diverging run leaves through the top, as it leaves through the edge of the surface.
  function logRange(floor, ceiling) {
    return { distr: 3, range: function (u, lo, hi) {
      var low = Math.max(lo === null ? floor : lo, floor), high = Math.min(hi === null ? ceiling : hi, ceiling);
      high = Math.max(high, low * 100);
      return [Math.pow(10, Math.floor(Math.log10(low))), Math.pow(10, Math.ceil(Math.log10(high)))];
    } };
  }
  // The x axis: every epoch of the run, or, for a rate that diverges, up to twice the epoch
  // its loss overflows, where there is something to see.
  var xEnd = run.epochs;
  function lastEpochShown(q) {
    var end = run.epochs, within = q.epochs_to_tol_per_param || {};
    var epochsIn = [q.epochs_to_tol].concat(names.filter(function (n) { return n in within; })
      .map(function (n) { return within[n]; }));
    // null: never within the tolerance, so there is no settling epoch to zoom to
    var settled = epochsIn.indexOf(null) >= 0 ? 0 : Math.max.apply(null, epochsIn);
    if (q.first_inf_epoch !== null) end = Math.min(end, 2 * q.first_inf_epoch);
    else if (q.outcome === "converges" && settled > 0 && 3 * settled < run.epochs / 2) end = 3 * settled;
    return Math.max(end, 10);
  }
  function xRange() {
    return { time: false, auto: false, range: function () { return [0, xEnd]; } };
  }
  var maxStart = Math.max.apply(null, c0.map(Math.abs).concat([tol]));
  var startLoss = D.loss_min + lam.reduce(function (s, l, i) { return s + 0.5 * l * c0[i] * c0[i]; }, 0);
  var first = predicted(run.lr);

  var lossPlot = chart("loss", {
    scales: { x: xRange(), y: logRange(Math.max(D.loss_min, 1e-300) / 10, Math.max(startLoss, D.loss_min) * 1e6) },
    axes: [{ label: "epoch" }, gd.logAxis("loss")],
    series: [{ label: "epoch" },
      { label: "at the slider's rate", stroke: COLOURS[0], width: 2, spanGaps: true },
      { label: "the run", stroke: "#888", dash: [6, 4], width: 1.5, spanGaps: true },
      { label: "least-squares loss", stroke: "#444", dash: [2, 3], width: 1 }],
  }, [epochs, first.loss, obsLoss, epochs.map(function () { return positive(D.loss_min); })], 260);

  var modeSeries = [{ label: "epoch" }], modeData = [epochs];
  lam.forEach(function (l, i) {
    modeSeries.push({ label: "v" + (i + 1) + " (λ = " + gd.num(l, 4) + ")", stroke: COLOURS[i % COLOURS.length], width: 2, spanGaps: true });
    modeData.push(first.modes[i]);
  });
  lam.forEach(function (l, i) {
    modeSeries.push({ label: "v" + (i + 1) + ", the run", stroke: COLOURS[i % COLOURS.length], dash: [6, 4], width: 1, spanGaps: true });
    modeData.push(obsModes[i]);
  });
  modeSeries.push({ label: "tolerance", stroke: "#444", dash: [2, 3], width: 1 });
  modeData.push(epochs.map(function () { return tol; }));
  // Errors that shrink for ever fall to 1e-300 and below: the chart stops a million times
  // below the tolerance, where the recorded run's errors are rounding anyway.
  var modePlot = chart("modes", {
    scales: { x: xRange(), y: logRange(tol * 1e-6, maxStart * 1e6) },
    axes: [{ label: "epoch" }, gd.logAxis("|error| along v_i")],
    series: modeSeries,
  }, modeData, 260);

  var surfacePlot = D.plane ? surface(D.plane) : null;
  if (!D.plane) {
    document.getElementById("surface-figure").hidden = true;
  }
  gd.onResize(charts);
  window.gdExplore = { loss: lossPlot, modes: modePlot, surface: surfacePlot };  // for tests and the curious

  function surface(plane) {
    var state = { thetas: first.thetas };
    document.getElementById("surface-caption").textContent = plane.said +
      ". The ellipses are contours of the loss (each a quarter of the excess loss of the next)," +
      " with their axes along the Hessian's eigenvectors; the coloured path is gradient descent at the" +
      " slider's rate, its first epochs dotted; grey dashes, the run as recorded; + marks the optimum.";
    function toPlane(theta) {
      return plane.basis.map(function (row) {
        var s = 0; for (var j = 0; j < p; j++) s += row[j] * (theta[j] - plane.origin[j]); return s;
      });
    }
    var obsPlane = obsThetas.map(toPlane);
    function draw(u) {
      var ctx = u.ctx, b = u.bbox;
      ctx.save();
      ctx.beginPath(); ctx.rect(b.left, b.top, b.width, b.height); ctx.clip();
      function at(xy) { return [u.valToPos(xy[0], "x", true), u.valToPos(xy[1], "y", true)]; }
      plane.levels.forEach(function (level, j) {
        var r = plane.mu.map(function (m) { return Math.sqrt(2 * level / m); });
        if (!isFinite(r[0]) || !isFinite(r[1])) return;
        ctx.beginPath();
        for (var s = 0; s <= 120; s++) {
          var phi = 2 * Math.PI * s / 120, a = r[0] * Math.cos(phi), c = r[1] * Math.sin(phi);
          var xy = at([plane.center[0] + a * plane.axes[0][0] + c * plane.axes[1][0],
                       plane.center[1] + a * plane.axes[0][1] + c * plane.axes[1][1]]);
          if (s === 0) ctx.moveTo(xy[0], xy[1]); else ctx.lineTo(xy[0], xy[1]);
        }
        var shade = Math.min(0.5, 0.06 + 0.04 * j);
        ctx.fillStyle = "rgba(31, 95, 191, " + shade.toFixed(3) + ")";
        ctx.fill();
      });
      line(ctx, obsPlane, at, "#777", [6, 4], 1.5 * devicePixelRatio);
      line(ctx, state.thetas.map(toPlane), at, COLOURS[1], [], 2 * devicePixelRatio, 40);
      mark(ctx, at(plane.center), "+", "#111");
      mark(ctx, at(toPlane(D.theta0)), "○", "#111");
      ctx.restore();
    }
    var plot = chart("surface", {
      scales: { x: { time: false, auto: false, range: plane.frame[0] }, y: { auto: false, range: plane.frame[1] } },
      axes: [{ label: plane.labels[0] }, { label: plane.labels[1] }],
      series: [{}, { show: false }],
      legend: { show: false },
      cursor: { show: false },
      hooks: { draw: [draw] },
    }, [plane.frame[0], [null, null]], 320);
    plot.gdState = state;
    return plot;
  }
  function line(ctx, points, at, colour, dash, width, dots) {
    ctx.strokeStyle = colour; ctx.fillStyle = colour; ctx.lineWidth = width; ctx.setLineDash(dash);
    ctx.beginPath();
    var started = false, limit = 1e7;
    for (var i = 0; i < points.length; i++) {
      var xy = at(points[i]);
      if (!isFinite(xy[0]) || !isFinite(xy[1]) || Math.abs(xy[0]) > limit || Math.abs(xy[1]) > limit) break;
      if (started) ctx.lineTo(xy[0], xy[1]); else { ctx.moveTo(xy[0], xy[1]); started = true; }
    }
    ctx.stroke();
    ctx.setLineDash([]);
    for (var k = 0; dots && k < Math.min(dots, points.length); k++) {
      var d = at(points[k]);
      if (!isFinite(d[0]) || !isFinite(d[1]) || Math.abs(d[0]) > limit || Math.abs(d[1]) > limit) break;
      ctx.beginPath(); ctx.arc(d[0], d[1], 2.2 * devicePixelRatio, 0, 2 * Math.PI); ctx.fill();
    }
  }
  function mark(ctx, xy, text, colour) {
    ctx.fillStyle = colour; ctx.font = (16 * devicePixelRatio) + "px sans-serif";
    ctx.textAlign = "center"; ctx.textBaseline = "middle";
    ctx.fillText(text, xy[0], xy[1]);
  }

  // ---- the page follows the slider ----
  function show() {
    var i = Number(slider.value), b = beta(), q = P[i], lr = q.lr, now;
    if (b) { var m = withMomentum(lr, b); q = m.q; now = m.now; } else { now = predicted(lr); }
    var ownMomentum = M && M.predicted && i === own && b === M.betas[M.own];
    if (ownMomentum) q = momentumBlock(M.predicted);  // gdlab's theory, as summary.json holds it
    criticalTick(b);
    document.getElementById("modes-caption").textContent = b ? MODES_MOMENTUM : MODES_PLAIN;
    shown.textContent = "lr = " + gd.num(lr, 6);
    if (M) {
      document.getElementById("beta-value").textContent = "β = " + b + (M.nesterov ? " (Nesterov)" : "");
      betaSlider.setAttribute("aria-valuetext", "β = " + b + ". " + words(q));
    }
    var verdict = document.getElementById("verdict");
    verdict.textContent = words(q);
    verdict.className = q.outcome === "converges" ? "good" : "bad";
    slider.setAttribute("aria-valuetext", "lr = " + gd.num(lr, 6) + ". " + words(q));
    document.getElementById("factors").textContent = factors(q);
    var source = document.getElementById("source");
    var fromSummary = ownMomentum || (i === own && run.predicted_for_this_run && !b);
    source.textContent = q.computed_here
      ? "Computed in this page: torch's momentum rule iterated on the bowl, each eigen-direction a 2×2 linear system (gdlab/core/momentum.py predicts the same for the run's own lr and β)."
      : fromSummary
      ? "gdlab's prediction for this run, made before a step was taken (summary.json, theory.predicted)."
      : "gdlab's theory for plain gradient descent, as ";
    if (!q.computed_here && !fromSummary) {
      var code = document.createElement("code");
      code.textContent = "gdlab analyze --set optimizer.lr=" + lr;
      source.append(code, " prints it.");
    }
    xEnd = lastEpochShown(q);
    lossPlot.setData([epochs, now.loss, obsLoss, lossPlot.data[3]]);
    modePlot.setData([epochs].concat(now.modes, obsModes, [modePlot.data[modePlot.data.length - 1]]));
    document.getElementById("loss").setAttribute("aria-label", "Loss per epoch at lr = " + lr + ". " + words(q));
    document.getElementById("modes").setAttribute("aria-label", "Error along each eigenvector per epoch at lr = " + lr + ". " + factors(q));
    if (surfacePlot) {
      surfacePlot.gdState.thetas = now.thetas;
      surfacePlot.redraw(false);
      document.getElementById("surface").setAttribute("aria-label", "Path of gradient descent on the loss surface at lr = " + lr + ". " + words(q));
    }
  }
  slider.addEventListener("input", show);
  betaSlider.addEventListener("input", show);
  document.getElementById("reset").addEventListener("click", function () {
    slider.value = own;
    if (M) betaSlider.value = M.own;
    show();
    slider.focus();
  });

  // ---- the run, as it went ----
  function about() {
    var s = run.optimizer + " at lr = " + gd.num(run.lr, 6) + " for " + gd.int(run.epochs_run) + " of " +
      gd.int(run.epochs) + " epochs; status: " + run.status + ". Critical rate 2/λmax = " +
      gd.num(D.critical_lr, 4) + ", best fixed rate " + gd.num(D.best_lr, 4) + ", tolerance " + gd.num(tol) + ".";
    if (run.standardized) s += " x is standardized: every number is in the standardized units.";
    if (run.schedule)
      s += " This run's rate follows a " + run.schedule + " schedule; the slider holds each rate for every epoch.";
    else if (M)
      s += " Momentum β = " + M.betas[M.own] + (M.nesterov ? " (Nesterov)" : "") + ": move β to 0 for plain gradient descent, which gdlab's theory predicts.";
    else if (!run.predicted_for_this_run)
      s += " This run does not use plain full-batch gradient descent; the slider shows what plain gradient descent would do, and its recorded path is drawn beside it.";
    document.getElementById("about").textContent = s;
  }
  function compare() {
    var pb = run.predicted_for_this_run ? P[own] : null, ob = obs.block || {};
    if (run.schedule && D.run.own_block) pb = D.run.own_block;  // the schedule's, from summary.json
    if (M) pb = M.predicted ? momentumBlock(M.predicted) : withMomentum(run.lr, M.betas[M.own]).q;
    var rows = [["outcome", pb && pb.outcome, ob.outcome],
      ["‖θ − θ_ls‖ < " + gd.num(tol) + " for good from epoch", pb && pb.epochs_to_tol, ob.epochs_to_tol]];
    names.forEach(function (n) {
      rows.push([n + " within " + gd.num(tol) + " for good from epoch", pb && pb.epochs_to_tol_per_param[n],
        ob.epochs_to_tol_per_param && ob.epochs_to_tol_per_param[n]]);
    });
    rows.push(["loss inf at epoch", pb && pb.first_inf_epoch, ob.first_inf_epoch]);
    rows.push(["loss nan at epoch", pb && pb.first_nan_epoch, ob.first_nan_epoch]);
    var table = document.getElementById("compare");
    var head = table.createTHead().insertRow();
    ["", "predicted", "observed"].forEach(function (t) { var th = document.createElement("th"); th.textContent = t; th.scope = "col"; head.appendChild(th); });
    var body = table.createTBody();
    rows.forEach(function (r) {
      var tr = body.insertRow();
      r.forEach(function (v, j) {
        var cell = j === 0 ? document.createElement("th") : tr.insertCell();
        if (j === 0) { cell.scope = "row"; tr.appendChild(cell); }
        cell.textContent = j === 0 ? v : (typeof v === "number" ? gd.int(v) : (v === null || v === undefined ? "—" : v));
      });
    });
    document.getElementById("compare-note").textContent = "Status: " + obs.status + "." +
      (M ? " The predicted column is this page's iteration of the momentum rule on the bowl, at the run's own lr and β." :
       pb ? "" : " gdlab predicts only plain full-batch gradient descent; this run's own optimizer is observed only.");
  }
  // The run's id is its folder's name: the page does not hold it, so a rerun writes the same bytes.
  var parts = decodeURIComponent(location.pathname).split("/"), n = parts.length;
  var folder = parts[n - 2] || "";
  // Back to the dashboard (and a sweep's point to its sweep), where gdlab keeps them.
  var back = parts[n - 3] !== "runs" ? [] : parts[n - 5] === "sweeps"
    ? [["../../sweep.html", "← its sweep"], ["../../../../index.html", "every run (the dashboard)"]]
    : [["../../index.html", "← every run (the dashboard)"]];
  back.forEach(function (link, k) {
    var a = document.createElement("a");
    a.href = link[0];
    a.textContent = link[1];
    var nav = document.getElementById("back");
    if (k) nav.append(" · ");
    nav.append(a);
  });
  document.getElementById("run-id").textContent = folder;
  if (folder) document.title = "gdlab: " + folder;
  about();
  compare();
  show();
})();
