"""The dashboard, ``results/index.html``: every run and sweep of a results folder in one table
that sorts and filters, links to each run's files, and overlays the loss curves of the runs
a person ticks. Each sweep also gets its own page (:mod:`gdlab.pages.sweep_page`).

It is rewritten after every run, so it must be cheap: each folder is read as
`gdlab runs list` reads it (:mod:`gdlab.record.catalog`), and each loss curve is a
sample of at most 200 rows of metrics.csv (:mod:`gdlab.record.metrics`), never the
whole file; fewer for the points of a large sweep, which share a budget of rows. A
folder that cannot be read is a row saying so, never an error.
"""

from __future__ import annotations

import contextlib
import html
from pathlib import Path
from typing import Any

from gdlab.pages import curves
from gdlab.pages.html import UPLOT, page
from gdlab.pages.sweep_page import PAGE, rows_per_point, write_sweep_page
from gdlab.record import runs
from gdlab.record.catalog import STATUSES, Entry, list_entries, read_entry, sweep_points
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

    With ``every_sweep`` false, only the sweep pages that are missing or older
    than their sweep are written (what a new run needs). A sweep page that
    cannot be written is left out, and the dashboard does not link to it.
    """
    entries = list_entries(results_dir)
    for entry in entries:
        if entry.kind == "sweep" and (every_sweep or _stale(entry.path)):
            with contextlib.suppress(OSError):  # the row still shows it, linking to no page
                write_sweep_page(entry.path)
    data = dashboard_data(results_dir, entries)
    title = f"gdlab: {len(entries)} runs and sweeps"
    runs.write_text(results_dir / INDEX, page(title, _body(results_dir), data, SCRIPTS, STYLES))
    return results_dir / INDEX


def refresh(results_dir: Path) -> str | None:
    """Rewrite the dashboard after a run, sweep or change of labels; None, or why it was not.

    What was run is written and whole before this starts: a dashboard that cannot
    be written is a warning, never a failed run.
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


def dashboard_data(results_dir: Path, entries: list[Entry] | None = None) -> dict[str, Any]:
    """What the dashboard embeds: one row per run, sweep and sweep point, newest first,
    each point after its sweep."""
    entries = list_entries(results_dir) if entries is None else entries
    rows = []
    for entry in entries:
        rows.append(_row(entry, results_dir, None))
        if entry.kind == "sweep":
            points = [read_entry(p, "run") for p in sweep_points(entry.path)]
            share = rows_per_point(entry)
            rows += [_row(point, results_dir, entry, share) for point in points]
    return {"results": str(results_dir), "statuses": list(STATUSES), "rows": rows}


def _row(
    entry: Entry, results_dir: Path, sweep: Entry | None, rows: int = curves.POINTS
) -> dict[str, Any]:
    """A run, sweep or sweep point as the table shows it, with its curve (about ``rows``
    rows) and its files."""
    row = entry.row()
    folder = curves.href(entry.path, results_dir)
    out: dict[str, Any] = {
        "key": folder,
        "id": entry.id,
        "kind": "point" if sweep is not None else entry.kind,
        "name": row["name"],
        "sweep": sweep.row()["name"] if sweep is not None else None,
        "status": entry.status,
        "problem": entry.problem,
        "tags": row["tags"],
        "note": row["note"],
        "started": row["started"],
        "folder": folder + "/",
        "figures": curves.figures(entry.path),
    }
    if entry.kind == "sweep":  # its points carry the rates and losses
        page_file = entry.path / PAGE
        out.update(points=row["points"], page=curves.href(page_file, results_dir))
        if not page_file.is_file():
            out["page"] = None
        return out
    out.update({k: row[k] for k in ("optimizer", "lr", "epochs", "final_loss")})
    out["explore"] = (entry.path / "explore.html").is_file()
    sampled = curves.sample(entry.path, rows=rows)
    out["curve"] = [curves.encode(column) for column in sampled] if sampled else None
    return out


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
