"""A sweep's page, ``sweeps/<id>/sweep.html``: a slider steps through the sweep's points and
shows each one's values, status, loss curve and (for one feature) its path in (w, b).

Everything is read from the points' run folders (metrics.csv sampled, never parsed
whole; once, :mod:`gdlab.pages.points`) and embedded, so the page opens from ``file://``
with no network. The paths are cut where they leave the view as the page draws them,
from the numbers it embeds.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

from gdlab.pages import curves
from gdlab.pages.html import UPLOT, page
from gdlab.pages.points import Facts, Points, read_points
from gdlab.record import runs
from gdlab.record.catalog import read_entry, swept_values

PAGE = "sweep.html"
DASHBOARD = "index.html"  # the results folder's dashboard, two folders up
SCRIPTS = [UPLOT[1], "assets/common.js", "assets/curves.js", "assets/sweep.js"]
STYLES = [UPLOT[0], "assets/common.css", "assets/dashboard.css"]
Box = tuple[float, float, float, float]  # w_lo, w_hi, b_lo, b_hi


def write_sweep_page(folder: Path, points: Points | None = None) -> Path:
    """Write ``folder/sweep.html`` for the sweep in ``folder`` (its ``points``, when already
    read); its path."""
    data = sweep_page_data(folder, points)
    body = _body(data)
    text = page(f"sweep {data['name']}", body, data, SCRIPTS, STYLES)
    runs.write_text(folder / PAGE, text)
    return folder / PAGE


def sweep_page_data(folder: Path, points: Points | None = None) -> dict[str, Any]:
    """What the page embeds: the sweep, and each point with its curve and path."""
    points = points or read_points(read_entry(folder, "sweep"))
    entry, facts = points.sweep, points.facts
    values = swept_values(folder)
    names = [name for name in facts if name in values] or list(facts)
    shown = [_point(name, facts[name], values.get(name, {}), folder) for name in names]
    paths = [_numbers(facts[name].path) for name in names]
    view = _view(paths, [point["optimum"] for point in shown])
    for point, path in zip(shown, paths, strict=True):
        point["leaves_view"] = None
        if path is not None and view is not None:
            clipped, left = _clip(path, _grown(view, 3.0))
            if left is not None:
                point["path"] = [curves.encode(column) for column in clipped]
                point["leaves_view"] = int(curves.decode(point["curve"][0])[left])
    return {
        "id": entry.id,
        "name": entry.row()["name"],
        "status": entry.status,
        "problem": entry.problem,
        "dashboard": f"../../{DASHBOARD}",
        "points": shown,
        "view": view,
    }


def _point(name: str, facts: Facts, values: dict[str, Any], sweep_folder: Path) -> dict[str, Any]:
    """One point: its values in words, its outcome, its curve and its path (one feature)."""
    folder = sweep_folder / "runs" / name
    return {
        "label": name,
        "text": describe(values) or facts.name,
        "status": facts.status,
        "problem": facts.problem,
        "lr": facts.lr,
        "epochs": facts.epochs,
        "final_loss": facts.final_loss,
        "first_inf_epoch": facts.first_inf_epoch,
        "first_nan_epoch": facts.first_nan_epoch,
        "curve": facts.curve,
        "path": facts.path,
        "optimum": facts.optimum,
        "folder": curves.href(folder, sweep_folder) + "/",
        "explore": curves.href(folder / "explore.html", sweep_folder) if facts.explore else None,
    }


def _numbers(columns: list[str] | None) -> list[list[float]] | None:
    return [curves.decode(column) for column in columns] if columns is not None else None


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


def _view(paths: list[list[list[float]] | None], optima: list[list[float] | None]) -> Box | None:
    """The (w, b) box the path chart shows: the starts and optima, and every path that stays
    near them; a path that runs far off (diverging) leaves the view rather than widen it."""
    finite = [_finite(path) for path in paths if path is not None]
    anchors = [xy[0] for xy in finite if xy] + [tuple(o) for o in optima if o]
    if not anchors:
        return None
    base = _box(anchors)
    near = _grown(base, 4.0)
    kept = [xy for path in finite if all(_inside(near, q) for q in path) for xy in path]
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
