"""The dashboard, ``results/index.html``: every run and sweep of a results folder in one table
that sorts and filters, links to each run's files, and overlays the loss curves of the runs
a person ticks. Each sweep also gets its own page (:mod:`gdlab.pages.sweep_page`).

It is rewritten after every run, so it must be cheap: each folder is read as
`gdlab runs list` reads it (:mod:`gdlab.record.catalog`), and each loss curve is a
sample of at most 200 rows of metrics.csv (:mod:`gdlab.record.metrics`), never the
whole file; fewer for the points of a large sweep, whose points are read once and
cached (:mod:`gdlab.pages.points`). A folder that cannot be read is a row saying so,
never an error.
"""

from __future__ import annotations

import contextlib
import html
from pathlib import Path
from typing import Any

from gdlab.pages import curves
from gdlab.pages.html import UPLOT, page
from gdlab.pages.points import Facts, Points, read_points, run_facts
from gdlab.pages.sweep_page import PAGE, write_sweep_page
from gdlab.record import runs
from gdlab.record.catalog import STATUSES, Entry, list_entries
from gdlab.record.runner import describe_error

INDEX = "index.html"
SCRIPTS = [UPLOT[1], "assets/common.js", "assets/curves.js", "assets/dashboard.js"]
STYLES = [UPLOT[0], "assets/common.css", "assets/dashboard.css"]
# The sortable columns: the row's key, the header people read, and whether it holds numbers.
COLUMNS = [
    ("name", "run", False),
    ("status", "status", False),
    ("optimizer", "optimizer", False),
    ("lr", "lr", True),
    ("epochs", "epochs", True),
    ("final_loss", "final loss", True),
    ("tags", "tags", False),
    ("started", "started", False),
]
# What a sweep's page is drawn from: when one of these is newer than the page, it is redrawn.
SWEEP_SOURCES = ("summary.json", "sweep.csv", "labels.json", "runs")


def write_dashboard(results_dir: Path, every_sweep: bool = True) -> Path:
    """Write ``results_dir/index.html`` and the sweeps' pages; the index's path.

    With ``every_sweep``, every sweep's points are read afresh and every sweep page
    written (`gdlab runs html`). Without it (what a new run needs), the points come from
    each sweep's cache where unchanged (:mod:`gdlab.pages.points`), and a sweep page is
    written only when it is missing, older than its sweep, or a point of it changed. A
    sweep page that cannot be written is left out, and the dashboard does not link to it.
    """
    entries = list_entries(results_dir)
    points = {}
    for entry in entries:
        if entry.kind != "sweep":
            continue
        points[entry.id] = read_points(entry, fresh=every_sweep)
        if every_sweep or points[entry.id].changed or _stale(entry.path):
            _write_sweep_page(entry.path, points[entry.id])
    data = dashboard_data(results_dir, entries, points)
    title = f"gdlab: {len(entries)} runs and sweeps"
    runs.write_text(results_dir / INDEX, page(title, _body(results_dir), data, SCRIPTS, STYLES))
    return results_dir / INDEX


def _write_sweep_page(folder: Path, points: Points) -> None:
    """Write a sweep's page, or remove the one that is no longer so if it cannot be written:
    the row still shows the sweep, linking to no page."""
    try:
        write_sweep_page(folder, points)
    except OSError:
        with contextlib.suppress(OSError):
            (folder / PAGE).unlink(missing_ok=True)


def refresh(results_dir: Path) -> str | None:
    """Rewrite the dashboard after a run, sweep or change of labels; None, or why it was not.

    What was run is written and whole before this starts: a dashboard that cannot be
    written is a warning, never a failed run.
    """
    try:
        write_dashboard(results_dir, every_sweep=False)
    except Exception as err:  # whatever went wrong, the run stands
        reason = (describe_error(err).splitlines() or [type(err).__name__])[0]
        return f"{results_dir / INDEX} not rewritten: {reason}"
    return None


def _stale(folder: Path) -> bool:
    """Whether a sweep's page is missing or older than what it is drawn from."""
    try:
        written = (folder / PAGE).stat().st_mtime
    except OSError:
        return True
    for name in SWEEP_SOURCES:
        try:
            if (folder / name).stat().st_mtime > written:
                return True
        except OSError:
            continue
    return False


def dashboard_data(
    results_dir: Path, entries: list[Entry] | None = None, points: dict[str, Points] | None = None
) -> dict[str, Any]:
    """What the dashboard embeds: one row per run, sweep and sweep point, newest first,
    each point after its sweep (its ``points`` by sweep id, when already read)."""
    entries = list_entries(results_dir) if entries is None else entries
    points = {} if points is None else points
    rows = []
    for entry in entries:
        if entry.kind == "run":
            rows.append(_run_row(entry.path, run_facts(entry), results_dir, None))
            continue
        rows.append(_sweep_row(entry, results_dir))
        name = entry.row()["name"]
        facts = (points.get(entry.id) or read_points(entry)).facts
        rows += [
            _run_row(entry.path / "runs" / point, f, results_dir, name)
            for point, f in facts.items()
        ]
    return {"results": str(results_dir), "statuses": list(STATUSES), "rows": rows}


def _run_row(folder: Path, facts: Facts, results_dir: Path, sweep: str | None) -> dict[str, Any]:
    """A run or a point of the sweep named ``sweep`` as the table shows it, with its curve
    and its files."""
    key = curves.href(folder, results_dir)
    return {
        "key": key,
        "id": folder.name,
        "kind": "point" if sweep is not None else "run",
        "name": facts.name,
        "sweep": sweep,
        "status": facts.status,
        "problem": facts.problem,
        "tags": facts.tags,
        "note": facts.note,
        "started": facts.started,
        "folder": key + "/",
        "figures": facts.figures,
        "optimizer": facts.optimizer,
        "lr": facts.lr,
        "epochs": facts.epochs,
        "final_loss": facts.final_loss,
        "explore": facts.explore,
        "curve": facts.curve,
    }


def _sweep_row(entry: Entry, results_dir: Path) -> dict[str, Any]:
    """A sweep as the table shows it: its points carry the rates and losses."""
    row = entry.row()
    key = curves.href(entry.path, results_dir)
    page_file = entry.path / PAGE
    return {
        "key": key,
        "id": entry.id,
        "kind": "sweep",
        "name": row["name"],
        "sweep": None,
        "status": entry.status,
        "problem": entry.problem,
        "tags": row["tags"],
        "note": row["note"],
        "started": row["started"],
        "folder": key + "/",
        "figures": curves.figures(entry.path),
        "points": row["points"],
        "page": curves.href(page_file, results_dir) if page_file.is_file() else None,
    }


def _body(results_dir: Path) -> str:
    """The page's HTML around the table the script fills in."""
    where = html.escape(str(results_dir))
    report = ""  # gdlab reproduce writes its report beside its runs
    if (results_dir / "REPORT.html").is_file():
        report = '\n<p><a href="REPORT.html">The report: the seed\'s claims, judged</a></p>'
    headers = "".join(
        f'<th scope="col" data-key="{key}" aria-sort="none" class="{"num" if numeric else ""}">'
        f'<button type="button" class="sort">{label}<span aria-hidden="true"></span></button></th>'
        for key, label, numeric in COLUMNS
    )
    return f"""
<h1>Runs and sweeps in <code>{where}</code></h1>
<p class="muted" id="summary"></p>{report}
<form id="filters" class="panel filters" role="search" aria-label="Filter the runs">
  <div><label for="f-status">Status</label> <select id="f-status"></select></div>
  <div><label for="f-optimizer">Optimizer</label> <select id="f-optimizer"></select></div>
  <div><label for="f-lr-min">lr from</label>
    <input id="f-lr-min" type="number" step="any" min="0" inputmode="decimal"></div>
  <div><label for="f-lr-max">lr to</label>
    <input id="f-lr-max" type="number" step="any" min="0" inputmode="decimal"></div>
  <div><label for="f-loss-max">Final loss at most</label>
    <input id="f-loss-max" type="number" step="any" min="0" inputmode="decimal"></div>
  <div><label for="f-tag">Tag</label> <select id="f-tag"></select></div>
  <div><button type="reset">Clear filters</button></div>
</form>
<section aria-labelledby="overlay-title">
  <h2 id="overlay-title">Loss curves of the ticked runs</h2>
  <figure class="chart" id="overlay">
    <figcaption id="overlay-caption"></figcaption>
    <div id="overlay-chart" role="img"></div>
  </figure>
</section>
<h2 id="table-title">Every run</h2>
<p id="count" aria-live="polite"></p>
<div class="scroll" role="region" aria-labelledby="table-title" tabindex="0">
<table id="runs" class="runs">
<thead><tr><th scope="col"><span class="sr-only">overlay</span></th>{headers}
<th scope="col">files</th></tr></thead>
<tbody></tbody>
</table>
</div>
"""
