/* The dashboard: the table of every run and sweep, its sort and filters, and the chart that
   overlays the loss curves of the ticked runs. The rows come from <script id="data">. */
(function () {
  "use strict";
  var data = gd.data(), rows = data.rows;
  rows.forEach(function (r, i) { r.order = i; });
  var tbody = document.querySelector("#runs tbody");
  var field = function (id) { return document.getElementById(id); };
  var filters = {
    status: field("f-status"), optimizer: field("f-optimizer"), tag: field("f-tag"),
    lrMin: field("f-lr-min"), lrMax: field("f-lr-max"), lossMax: field("f-loss-max"),
  };
  var sort = { key: null, dir: 1 };
  var ticked = {};  // row key -> true
  var chart = { plot: null, box: field("overlay-chart"), height: 300 };

  function options(select, values, what) {
    var seen = {};
    values.forEach(function (v) { if (v !== null && v !== undefined) seen[v] = true; });
    var all = document.createElement("option");
    all.value = ""; all.textContent = "any " + what;
    select.appendChild(all);
    Object.keys(seen).sort().forEach(function (v) {
      var o = document.createElement("option");
      o.value = v; o.textContent = v;
      select.appendChild(o);
    });
  }
  options(filters.status, rows.map(function (r) { return r.status; }), "status");
  options(filters.optimizer, rows.map(function (r) { return r.optimizer; }), "optimizer");
  options(filters.tag, [].concat.apply([], rows.map(function (r) { return r.tags; })), "tag");

  function number(input) {
    var v = parseFloat(input.value);
    return isNaN(v) ? null : v;
  }

  function shown(r) {
    var lrMin = number(filters.lrMin), lrMax = number(filters.lrMax), lossMax = number(filters.lossMax);
    if (filters.status.value && r.status !== filters.status.value) return false;
    if (filters.optimizer.value && r.optimizer !== filters.optimizer.value) return false;
    if (filters.tag.value && r.tags.indexOf(filters.tag.value) < 0) return false;
    if ((lrMin !== null || lrMax !== null) && typeof r.lr !== "number") return false;
    if (lrMin !== null && r.lr < lrMin) return false;
    if (lrMax !== null && r.lr > lrMax) return false;
    if (lossMax !== null && !(typeof r.final_loss === "number" && r.final_loss <= lossMax)) return false;
    return true;
  }

  /* Sort values: numbers as numbers, the rest as text; none sorts last. A nan loss (a
     diverged run) sorts as the worst, above inf; another nan as none. */
  function value(r, key) {
    var v = r[key];
    if (key === "tags") v = v.join(" ") || null;
    if (typeof v === "number" && isNaN(v)) v = key === "final_loss" ? Number.MAX_VALUE * 2 : null;
    return v === undefined ? null : v;
  }

  function compare(a, b) {
    if (sort.key === null) return a.order - b.order;
    var x = value(a, sort.key), y = value(b, sort.key);
    if (x === null || y === null) return (x === null) - (y === null) || a.order - b.order;
    var c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return (c > 0 ? 1 : c < 0 ? -1 : 0) * sort.dir || a.order - b.order;
  }

  function link(href, text) {
    var a = document.createElement("a");
    a.href = href; a.textContent = text;
    return a;
  }

  function small(text) {
    var s = document.createElement("span");
    s.className = "sub"; s.textContent = text;
    return s;
  }

  function nameCell(r) {
    var td = document.createElement("td");
    td.appendChild(link(r.folder, r.name));
    if (r.kind === "point") td.appendChild(small("in sweep " + r.sweep));
    if (r.kind === "sweep") td.appendChild(small("sweep: " + r.points + " points finished"));
    if (r.problem) td.appendChild(small(r.problem));
    if (r.note) td.appendChild(small(r.note));
    return td;
  }

  function filesCell(r) {
    var td = document.createElement("td"), links = [];
    if (r.page) links.push(link(r.page, "sweep page"));
    if (r.explore) links.push(link(r.folder + "explore.html", "explore"));
    r.figures.forEach(function (f) { links.push(link(r.folder + encodeURIComponent(f), f.replace(/\.png$/, ""))); });
    links.forEach(function (a, i) {
      if (i) td.appendChild(document.createTextNode(" · "));
      td.appendChild(a);
    });
    td.className = "files";
    return td;
  }

  function tickCell(r) {
    var td = document.createElement("td");
    if (!r.curve) return td;
    var box = document.createElement("input");
    box.type = "checkbox"; box.checked = !!ticked[r.key];
    box.setAttribute("aria-label", "overlay the loss curve of " + r.name + (r.sweep ? " (sweep " + r.sweep + ")" : ""));
    box.addEventListener("change", function () {
      if (box.checked) ticked[r.key] = true; else delete ticked[r.key];
      drawOverlay();
    });
    td.appendChild(box);
    return td;
  }

  function textCell(text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }

  function render() {
    var visible = rows.filter(shown).sort(compare);
    var body = document.createDocumentFragment();
    visible.forEach(function (r) {
      var tr = document.createElement("tr");
      tr.dataset.key = r.key;
      tr.appendChild(tickCell(r));
      tr.appendChild(nameCell(r));
      tr.appendChild(textCell(r.status, "status status-" + r.status));
      tr.appendChild(textCell(r.optimizer || ""));
      tr.appendChild(textCell(typeof r.lr === "number" ? gd.num(r.lr) : "", "num"));
      tr.appendChild(textCell(typeof r.epochs === "number" ? gd.int(r.epochs) : "", "num"));
      tr.appendChild(textCell(typeof r.final_loss === "number" ? gd.num(r.final_loss) : "", "num"));
      tr.appendChild(textCell(r.tags.join(", ")));
      tr.appendChild(textCell((r.started || "").slice(0, 16).replace("T", " ")));
      tr.appendChild(filesCell(r));
      body.appendChild(tr);
    });
    tbody.replaceChildren(body);
    field("count").textContent = "Showing " + visible.length + " of " + rows.length + " rows.";
  }

  function drawOverlay() {
    var picked = rows.filter(function (r) { return ticked[r.key]; });
    if (chart.plot) { chart.plot.destroy(); chart.plot = null; }
    var caption = field("overlay-caption");
    if (!picked.length) {
      caption.textContent = "Tick the box beside a run in the table to overlay its loss curve here.";
      chart.box.setAttribute("aria-label", "No run ticked: no loss curve is drawn.");
      return;
    }
    var series = picked.map(function (r, i) {
      return { label: r.name + (r.sweep ? " (" + r.sweep + ")" : ""), stroke: gdc.color(i) };
    });
    var curves = picked.map(function (r) { return gdc.numbers(r.curve); });
    chart.plot = gdc.lossChart(chart.box, curves, series, chart.height, true);
    caption.textContent = "Loss (mean squared error, log scale) per epoch of " + picked.length +
      " run" + (picked.length === 1 ? "" : "s") + ", from at most 200 rows of each metrics.csv (fewer for the points of a large sweep); " +
      "a line that leaves the top diverged.";
    chart.box.setAttribute("aria-label", "Loss curves: " + picked.map(function (r) {
      return series[picked.indexOf(r)].label + ", " + r.status + ", final loss " + gd.num(r.final_loss);
    }).join("; "));
  }

  document.querySelectorAll("#runs th[data-key]").forEach(function (th) {
    th.querySelector("button").addEventListener("click", function () {
      var key = th.dataset.key;
      sort.dir = sort.key === key ? -sort.dir : 1;
      sort.key = key;
      document.querySelectorAll("#runs th[data-key]").forEach(function (other) {
        var mine = other === th;
        other.setAttribute("aria-sort", mine ? (sort.dir > 0 ? "ascending" : "descending") : "none");
        other.querySelector("span").textContent = mine ? (sort.dir > 0 ? " ▲" : " ▼") : "";
      });
      render();
    });
  });
  var form = field("filters");
  form.addEventListener("input", render);
  form.addEventListener("change", render);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  form.addEventListener("reset", function () { setTimeout(render, 0); });

  var counts = { run: 0, sweep: 0, point: 0 };
  rows.forEach(function (r) { counts[r.kind] += 1; });
  field("summary").textContent = counts.run + " run" + (counts.run === 1 ? "" : "s") + ", " +
    counts.sweep + " sweep" + (counts.sweep === 1 ? "" : "s") + " (" + counts.point + " points in all). " +
    "Sort by a column with its header; tick runs to compare their loss curves.";
  render();
  drawOverlay();
  var timer = null;  // redrawn at the box's new width (gd.onResize wants a chart that exists)
  window.addEventListener("resize", function () { clearTimeout(timer); timer = setTimeout(drawOverlay, 80); });
})();
