"""A sweep's page, ``sweeps/<id>/sweep.html``: a slider steps through the sweep's points and
shows each one's values, status, loss curve and (for one feature) its path in (w, b).

Everything is read from the points' run folders (metrics.csv sampled, never parsed
whole) and embedded, so the page opens from ``file://`` with no network.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

from gdlab.pages import curves
from gdlab.pages.html import UPLOT, page
from gdlab.record import runs
from gdlab.record.catalog import Entry, read_entry, sweep_points, swept_values

PAGE = "sweep.html"
DASHBOARD = "index.html"  # the results folder's dashboard, two folders up
SCRIPTS = [UPLOT[1], "assets/common.js", "assets/curves.js", "assets/sweep.js"]
STYLES = [UPLOT[0], "assets/common.css", "assets/dashboard.css"]
Box = tuple[float, float, float, float]  # w_lo, w_hi, b_lo, b_hi


def write_sweep_page(folder: Path) -> Path:
    """Write ``folder/sweep.html`` for the sweep in ``folder``; its path."""
    data = sweep_page_data(folder)
    body = _body(data)
    text = page(f"sweep {data['name']}", body, data, SCRIPTS, STYLES)
    runs.write_text(folder / PAGE, text)
    return folder / PAGE


def sweep_page_data(folder: Path) -> dict[str, Any]:
    """What the page embeds: the sweep, and each point with its curve and path."""
    entry = read_entry(folder, "sweep")
    values = swept_values(folder)
    folders = [p for p in sweep_points(folder) if p.name in values] or sweep_points(folder)
    rows = rows_per_point(entry)
    points = [_point(p, values.get(p.name, {}), folder, rows) for p in folders]
    view = _view(points)
    for point in points:
        point["leaves_view"] = None
        if point["path"] is not None and view is not None:
            point["path"], left = _clip(point["path"], _grown(view, 3.0))
            point["leaves_view"] = None if left is None else int(point["curve"][0][left])
        for key in ("curve", "path"):  # as text, as the dashboard embeds them (curves.py)
            if point[key] is not None:
                point[key] = [curves.encode(column) for column in point[key]]
    return {
        "id": entry.id,
        "name": entry.row()["name"],
        "status": entry.status,
        "problem": entry.problem,
        "dashboard": f"../../{DASHBOARD}",
        "points": points,
        "view": view,
    }


def rows_per_point(sweep: Entry) -> int:
    """How many rows of metrics.csv each point of ``sweep`` keeps: its share of the sweep's
    (:func:`gdlab.pages.curves.rows_per_run`), by the points planned or found."""
    planned = sweep.summary.get("points")
    found = len(sweep_points(sweep.path))
    return curves.rows_per_run(max(planned if isinstance(planned, int) else 0, found))


def _point(folder: Path, values: dict[str, Any], sweep_folder: Path, rows: int) -> dict[str, Any]:
    """One point: its values in words, its outcome, its curve and its path (one feature)."""
    entry = read_entry(folder, "run")
    row, summary = entry.row(), entry.summary
    one_feature = summary.get("n_features") == 1
    sampled = curves.sample(folder, ("loss", "w", "b") if one_feature else ("loss",), rows)
    explore = folder / "explore.html"
    return {
        "label": folder.name,
        "text": describe(values) or row["name"],
        "status": entry.status,
        "problem": entry.problem,
        "lr": row["lr"],
        "epochs": row["epochs"],
        "final_loss": row["final_loss"],
        "first_inf_epoch": _whole(summary.get("first_inf_epoch")),
        "first_nan_epoch": _whole(summary.get("first_nan_epoch")),
        "curve": sampled[:2] if sampled else None,
        "path": sampled[2:4] if sampled and one_feature else None,
        "optimum": _optimum(summary) if one_feature else None,
        "folder": curves.href(folder, sweep_folder) + "/",
        "explore": curves.href(explore, sweep_folder) if explore.is_file() else None,
    }


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _optimum(summary: dict[str, Any]) -> list[float] | None:
    """The least-squares (w, b) of a one-feature run, if its summary.json has them."""
    ls: Any = summary.get("least_squares")
    try:
        w, b = float(ls["w"][0]), float(ls["b"])
    except (TypeError, KeyError, IndexError, ValueError):
        return None
    return [w, b] if math.isfinite(w) and math.isfinite(b) else None


def describe(values: dict[str, Any]) -> str:
    """A point's swept values as people say them: 'lr = 0.005, seed = 3'."""
    words = []
    for key, value in values.items():
        section, _, name = key.rpartition(".")
        name = section if name == "name" else name  # optimizer.name reads as 'optimizer'
        shown = Path(value).name if key == "data.path" and isinstance(value, str) else value
        words.append(f"{name} = {shown}")
    return ", ".join(words)


def _finite(path: list[list[float]]) -> list[tuple[float, float]]:
    return [(w, b) for w, b in zip(*path, strict=True) if math.isfinite(w) and math.isfinite(b)]


def _view(points: list[dict[str, Any]]) -> Box | None:
    """The (w, b) box the path chart shows: the starts and optima, and every path that stays
    near them; a path that runs far off (diverging) leaves the view rather than widen it."""
    paths = [_finite(p["path"]) for p in points if p["path"] is not None]
    anchors = [xy[0] for xy in paths if xy] + [tuple(p["optimum"]) for p in points if p["optimum"]]
    if not anchors:
        return None
    base = _box(anchors)
    near = _grown(base, 4.0)
    kept = [xy for path in paths if all(_inside(near, q) for q in path) for xy in path]
    return _grown(_box(anchors + kept), 1.16)


def _box(xy: list[Any]) -> Box:
    ws, bs = [q[0] for q in xy], [q[1] for q in xy]
    return min(ws), max(ws), min(bs), max(bs)


def _grown(box: Box, factor: float) -> Box:
    """The box scaled by ``factor`` about its centre (a flat side gets a width of 1)."""
    w_lo, w_hi, b_lo, b_hi = box
    dw, db = (w_hi - w_lo) or 1.0, (b_hi - b_lo) or 1.0
    cw, cb = (w_lo + w_hi) / 2, (b_lo + b_hi) / 2
    return cw - dw * factor / 2, cw + dw * factor / 2, cb - db * factor / 2, cb + db * factor / 2


def _inside(box: Box, q: tuple[float, float]) -> bool:
    return box[0] <= q[0] <= box[1] and box[2] <= q[1] <= box[3]


def _clip(path: list[list[float]], box: Box) -> tuple[list[list[float]], int | None]:
    """The path up to where it leaves ``box``, ending on the box's edge (a diverging path's
    numbers reach 1e308, which no canvas can draw), and the row where it left (or None)."""
    ws, bs = path
    for i, (w, b) in enumerate(zip(ws, bs, strict=True)):
        if math.isfinite(w) and math.isfinite(b) and _inside(box, (w, b)):
            continue
        if i == 0 or not (math.isfinite(w) and math.isfinite(b)):
            return [ws[:i], bs[:i]], i
        w0, b0 = ws[i - 1], bs[i - 1]
        t = min(_reach(w0, w, box[0], box[1]), _reach(b0, b, box[2], box[3]))
        edge = [w0 + t * (w - w0), b0 + t * (b - b0)]
        return [[*ws[:i], edge[0]], [*bs[:i], edge[1]]], i
    return path, None


def _reach(a: float, z: float, lo: float, hi: float) -> float:
    """How far (0 to 1) from a to z one can go and stay within [lo, hi]."""
    if z > hi:
        return (hi - a) / (z - a)
    if z < lo:
        return (lo - a) / (z - a)
    return 1.0


def _body(data: dict[str, Any]) -> str:
    """The page's HTML: the slider, the two charts, and a table of every point."""
    name = html.escape(data["name"])
    n = len(data["points"])
    points = f"{n} point{'' if n == 1 else 's'}"
    rows = "\n".join(_table_row(p) for p in data["points"])
    return f"""
<p><a href="{data["dashboard"]}">&larr; every run (the dashboard)</a></p>
<h1>Sweep {name}</h1>
<p class="muted">{html.escape(data["id"])}: {html.escape(data["status"])}, {points}</p>
<div class="panel" id="stepper">
  <label for="point">Sweep point</label>
  <input type="range" id="point" min="0" max="{max(n - 1, 0)}" step="1" value="0">
  <p id="point-text" aria-live="polite"></p>
</div>
<div class="grid">
  <figure class="chart" id="path-figure">
    <figcaption id="path-caption"></figcaption>
    <div id="path-chart" role="img"></div>
  </figure>
  <figure class="chart">
    <figcaption id="loss-caption"></figcaption>
    <div id="loss-chart" role="img"></div>
  </figure>
</div>
<h2>Every point</h2>
<div class="scroll" role="region" aria-label="every point of the sweep" tabindex="0">
<table class="runs"><thead><tr><th scope="col">point</th><th scope="col">status</th>
<th scope="col" class="num">epochs</th><th scope="col" class="num">final loss</th>
<th scope="col">files</th></tr></thead>
<tbody>
{rows}
</tbody></table></div>
"""


def _table_row(point: dict[str, Any]) -> str:
    """One point as a table row, with links to its folder and its explore page."""
    links = f'<a href="{point["folder"]}">folder</a>'
    if point["explore"]:
        links = f'<a href="{point["explore"]}">explore</a> · {links}'
    epochs, final = point["epochs"], point["final_loss"]
    final_text = f"{final:.4g}" if isinstance(final, (int, float)) else str(final or "")
    cells = [
        ("", html.escape(point["text"])),
        (f"status status-{point['status']}", html.escape(point["status"])),
        ("num", f"{epochs:,}" if isinstance(epochs, int) else ""),
        ("num", html.escape(final_text)),
        ("", links),
    ]
    return "<tr>" + "".join(f'<td class="{c}">{text}</td>' for c, text in cells) + "</tr>"
