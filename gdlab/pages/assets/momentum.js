/* Momentum on the bowl, computed in the page (explore.html's β slider).
 *
 * torch's SGD with momentum β and dampening d, written in eigen-coordinates: along
 * eigenvector i the gradient is g = λ_i c_i, and the state (c_i, buf_i) moves by a 2x2 matrix:
 *   heavy ball: buf <- β buf + (1 - d) g;  c <- c - lr buf
 *   Nesterov:   buf <- β buf + g;          c <- c - lr (g + β buf)   (torch: d = 0)
 * The first step starts the buffer from the gradient itself, undamped, as torch does.
 * The page iterates the rule for every (lr, β) on its sliders; gdlab/core/momentum.py
 * predicts the run's own (summary.json), and tests hold the two, and real runs, together.
 */
"use strict";
var gdMomentum = {
  /* The 2x2 matrix of one eigen-direction: [[a, b], [c, d]] acting on (c_i, buf_i). */
  matrix: function (lr, beta, l, nesterov, d) {
    var g = (1 - (d || 0)) * l;
    return nesterov ? [[1 - lr * l * (1 + beta), -lr * beta * beta], [l, beta]]
                    : [[1 - lr * g, -lr * beta], [g, beta]];
  },
  /* The largest stable rate for curvature l: heavy ball lr (1 - d) l < 2 (1 + β),
     Nesterov lr l < 2 (1 + β) / (1 + 2β) (where an eigenvalue of the 2x2 matrix reaches -1). */
  limit: function (l, beta, nesterov, d) {
    return nesterov ? 2 * (1 + beta) / ((1 + 2 * beta) * l) : 2 * (1 + beta) / ((1 - (d || 0)) * l);
  },
  /* Per direction: the factor the error shrinks (or grows) by per epoch, in the long run
     (the matrix's spectral radius), and whether it oscillates (complex eigenvalues). */
  damping: function (lam, lr, beta, nesterov, d) {
    return lam.map(function (l) {
      var m = gdMomentum.matrix(lr, beta, l, nesterov, d);
      var tr = m[0][0] + m[1][1], det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
      var disc = tr * tr - 4 * det;
      if (disc < 0) return { rate: Math.sqrt(det), oscillates: true };
      var root = Math.sqrt(disc);
      return { rate: Math.max(Math.abs(tr + root), Math.abs(tr - root)) / 2, oscillates: false };
    });
  },
  /* Run the rule from the start for `epochs` epochs (the last of `sampled`), keeping the
     state at the sampled epochs, and find what the theory block reports for plain descent. */
  simulate: function (D, sampled, lr, beta, nesterov, d) {
    var lam = D.eigenvalues, V = D.eigenvectors, p = lam.length, tol = D.tol;
    var c = V.map(function (v) { var s = 0; for (var j = 0; j < p; j++) s += v[j] * (D.theta0[j] - D.theta_ls[j]); return s; });
    var buf = c.map(function () { return 0; });
    var out = { modes: lam.map(function () { return []; }), thetas: [], loss: [] };
    var lastOutsideNorm = 0, lastOutside = D.names.map(function () { return 0; }), inf = null, nan = null;
    var last = sampled[sampled.length - 1], next = 0;
    for (var k = 0; k <= last; k++) {
      if (k > 0) {
        for (var i = 0; i < p; i++) {
          var g = lam[i] * c[i];
          buf[i] = k === 1 ? g : beta * buf[i] + (1 - (d || 0)) * g;
          c[i] -= lr * (nesterov ? g + beta * buf[i] : buf[i]);
        }
      }
      var excess = 0, norm = 0, theta = [];
      for (var i2 = 0; i2 < p; i2++) excess += 0.5 * lam[i2] * c[i2] * c[i2];
      for (var j2 = 0; j2 < p; j2++) {
        var e = 0;
        for (var i3 = 0; i3 < p; i3++) e += c[i3] * V[i3][j2];
        norm += e * e;
        theta.push(D.theta_ls[j2] + e);
        if (!(Math.abs(e) < tol)) lastOutside[j2] = k + 1;
      }
      var lossNow = D.loss_min + excess;
      if (!(Math.sqrt(norm) < tol)) lastOutsideNorm = k + 1;
      if (inf === null && lossNow === Infinity) inf = k;
      if (nan === null && isNaN(lossNow)) nan = k;
      if (k === sampled[next]) {
        c.forEach(function (ci, i) { out.modes[i].push(Math.abs(ci)); });
        out.thetas.push(theta);
        out.loss.push(lossNow);
        next++;
      }
    }
    var rates = gdMomentum.damping(lam, lr, beta, nesterov, d);
    var stable = rates.every(function (r) { return r.rate < 1; });
    var perParam = {};
    D.names.forEach(function (n, j) { perParam[n] = lastOutside[j] <= last ? lastOutside[j] : null; });
    return {
      curves: out,
      prediction: {
        lr: lr, beta: beta, outcome: stable ? "converges" : "diverges",
        rates: rates.map(function (r) { return r.rate; }),
        oscillates: rates.map(function (r) { return r.oscillates; }),
        epochs_to_tol: lastOutsideNorm <= last ? lastOutsideNorm : null, epochs_to_tol_per_param: perParam,
        first_inf_epoch: inf, first_nan_epoch: nan, frozen: null, computed_here: true,
      },
    };
  },
};
