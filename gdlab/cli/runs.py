"""`gdlab runs list|compare`: the record, read back and side by side (show: cli/show.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from gdlab.cli import tables
from gdlab.cli.app import (
    EXIT_FAILED,
    STATUS_STYLE,
    JsonOption,
    ResultsOption,
    app,
    complete_run_ids,
    fail,
    interruptible,
    print_json,
    resolve_folder,
)

runs_app = typer.Typer(
    help="Browse and compare the runs and sweeps in a results folder.\n\n"
    "Examples:\n\n  gdlab runs list\n\n  gdlab runs show 20261126T0405\n\n"
    "  gdlab runs compare 20261126T0405 20261126T0406\n\n  gdlab runs html",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(runs_app, name="runs")


@runs_app.command(
    "list",
    epilog="Examples:\n\n  gdlab runs list\n\n  gdlab runs list --status diverged --last 5\n\n"
    "  gdlab runs list --tag baseline --where optimizer.lr=0.1\n\n"
    "  gdlab runs list --where 'final_loss<1' --sort final_loss\n\n"
    "  gdlab runs list --json | jq '.[0].final_loss'",
)
@interruptible
def list_runs(
    results_dir: ResultsOption = Path("results"),
    status: Annotated[
        str | None, typer.Option("--status", metavar="STATUS", help="Only this status.")
    ] = None,
    last: Annotated[
        int | None, typer.Option("--last", min=1, metavar="N", help="Only the newest N.")
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", "-t", metavar="TAG", help="Only with this tag.")
    ] = None,
    where: Annotated[
        list[str] | None,
        typer.Option(
            "--where",
            "-w",
            metavar="KEY=VALUE",
            help="Only where a column or config key has this value (also != < > <= >=).",
        ),
    ] = None,
    sort: Annotated[
        str | None,
        typer.Option("--sort", metavar="KEY", help="Sort by a column or config key (not time)."),
    ] = None,
    reverse: Annotated[bool, typer.Option("--reverse", help="Sort largest first.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List runs and sweeps, newest first, with their status as it truly is.

    A run that was killed outright shows as crashed: its folder says running
    but the process that wrote it is gone.
    """
    from gdlab.record.catalog import STATUSES, list_entries
    from gdlab.record.filters import FilterError, select

    if results_dir.exists() and not results_dir.is_dir():
        fail(f"results folder {results_dir}: is not a folder")
    if not results_dir.exists() and results_dir != Path("results"):  # a typo, not "no runs yet"
        fail(f"results folder {results_dir}: no such folder")
    if status is not None and status not in STATUSES:
        fail(f"--status {status!r}: expected one of {', '.join(STATUSES)}")
    conditions = [*(where or []), *([f"status={status}"] if status else [])]
    entries = list_entries(results_dir)  # every folder read once
    try:
        rows = select(entries, tag or [], conditions, sort, reverse)
    except FilterError as err:
        fail(str(err))
    if not rows and tag:  # a tag no run carries is a typo, not an answer
        carried = {t for e in entries for t in e.labels.tags}
        unknown = [t for t in tag if t not in carried]
        if unknown:
            fail(f"--tag {unknown[0]!r}: no run or sweep in {results_dir} has it")
    rows = rows[:last] if last else rows
    if as_json:
        print_json(rows)
        return
    out = tables.console()
    columns = [
        tables.Column("id"),
        tables.Column("status"),
        tables.Column("optimizer", priority=2),
        tables.Column("lr", numeric=True, priority=1),
        tables.Column("epochs", numeric=True, priority=2),
        tables.Column("final loss", numeric=True, priority=1),
        tables.Column("tags", priority=2),
        tables.Column("w", numeric=True, priority=3),
        tables.Column("b", numeric=True, priority=3),
        tables.Column("started", priority=4),
        tables.Column("commit", priority=5),
    ]
    cells = []
    for r in rows:
        style = STATUS_STYLE.get(r["status"], "yellow")
        row = [r["id"], f"[{style}]{r['status']}[/]"]
        if r["status"] == "unreadable":  # why, under the table
            row += ["", "", "", ""]
        elif r["kind"] == "sweep":
            row[1] += f" ({r['points']})"  # points finished, of all
            row += ["sweep", "", "", ""]
        else:
            row += [tables.cell(r[k]) for k in ("optimizer", "lr", "epochs", "final_loss")]
        started = (r["started"] or "")[:19].replace("T", " ")
        row += [" ".join(r["tags"])]
        row += [tables.cell(r["w"]), tables.cell(r["b"]), started, (r["git_commit"] or "")[:8]]
        cells.append(row)
    title = (
        f"{len(rows)} {'run or sweep' if len(rows) == 1 else 'runs and sweeps'} in {results_dir}"
    )
    out.print(tables.fitted(out, columns, cells, title=title))
    for r in rows:
        if r["status"] == "unreadable":
            out.print(f"[yellow]unreadable[/] {r['id']}: {r['problem']}")


@runs_app.command(
    "compare",
    epilog="Examples:\n\n  gdlab runs compare 20261126T0405 20261126T0406\n\n"
    "  gdlab runs compare 20261126T0500 --json   # a sweep: all its points",
)
@interruptible
def compare(
    runs: Annotated[
        list[str],
        typer.Argument(
            metavar="RUN",
            help="Runs or sweeps (a sweep brings all its points).",
            autocompletion=complete_run_ids,
        ),
    ],
    results_dir: ResultsOption = Path("results"),
    as_json: JsonOption = False,
) -> None:
    """Put runs side by side: the config keys that differ, the results, and compare.png."""
    from gdlab.record.catalog import RunRefError, differing_keys, read_entry, resolve, sweep_points

    if len(runs) == 1:  # one sweep (its points), or a mistake
        try:
            resolve(results_dir, runs[0], ("sweep",))
        except RunRefError:
            fail("runs compare needs two or more runs, or a sweep of two or more points")
    entries = []
    for ref in runs:
        folder, kind = resolve_folder(results_dir, ref)
        points = sweep_points(folder) if kind == "sweep" else [folder]
        entries += [read_entry(p, "run") for p in points]
    if len(entries) < 2:
        fail("runs compare needs two or more runs (or a sweep of two or more points)")
    target = results_dir / "compare"
    if target.exists() and not target.is_dir():
        fail(f"results folder {target}: is not a folder, so compare.png has nowhere to go")
    differing = differing_keys(e.config for e in entries)
    keys = ("status", "epochs", "final_loss", "w", "b")
    results = {k: [e.row()[k] for e in entries] for k in keys}
    console = tables.console()
    picture = None if as_json else console
    png = _compare_png(entries, target, picture)
    if as_json:
        ids = [e.id for e in entries]
        print_json({"runs": ids, "differing": differing, "results": results, "compare_png": png})
        return
    rows = [[k, *(tables.cell(v, exact=True) for v in vs)] for k, vs in differing.items()]
    rows += [[k.replace("_", " "), *(tables.cell(v) for v in vs)] for k, vs in results.items()]
    # A run's header is its name over its time stamp, so that both read at any width.
    headers = [tables.Column(e.id.replace("-", "\n", 1)) for e in entries]
    names = tables.Column("", wrap=False)
    for table in tables.blocks(console, names, headers, rows, title="compared"):
        console.print(table)
    if png:
        console.print(f"loss curves: {png}")


def _compare_png(entries: list[Any], target: Path, out: Console | None) -> str | None:
    """Draw the runs' loss curves into compare.png; its path, or None with fewer than two."""
    from gdlab.plots.common import save_png
    from gdlab.plots.run import compare_figure
    from gdlab.record import runs as run_files
    from gdlab.record.readback import load_result
    from gdlab.record.runner import describe_error

    finished = {}
    for e in entries:
        try:
            finished[e.id] = load_result(e.path).history
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            if out is not None:
                out.print(f"[yellow]{e.id}[/]: no readable metrics.csv and summary.json, left out")
    if len(finished) < 2:
        return None
    try:
        folder = run_files.create_run_dir(target, "compare", run_files.now())
        with run_files.atomic_target(folder / "compare.png") as tmp:
            save_png(compare_figure(finished), tmp)
    except OSError as err:  # a full disk, or a folder that cannot be written
        fail(describe_error(err), EXIT_FAILED)
    return str(folder / "compare.png")


@runs_app.command(
    "html",
    epilog="Examples:\n\n  gdlab runs html\n\n  gdlab runs html --results-dir results/reproduce\n\n"
    "Writes <results-dir>/index.html, a dashboard of every run and sweep (sort, filter, "
    "overlay loss curves), and sweeps/<id>/sweep.html for each sweep (a slider through its "
    "points). Each is one file that opens in a browser with no network. gdlab train and "
    "gdlab sweep rewrite them after every run.",
)
@interruptible
def write_html(results_dir: ResultsOption = Path("results")) -> None:
    """Write the dashboard of a results folder (index.html) and each sweep's page."""
    from gdlab.pages.dashboard import write_dashboard
    from gdlab.record.runner import describe_error

    if not results_dir.is_dir():
        what = "is not a folder" if results_dir.exists() else "no such folder (no runs yet?)"
        fail(f"results folder {results_dir}: {what}")
    try:
        path = write_dashboard(results_dir)
    except OSError as err:  # a full disk, a folder that cannot be written
        fail(describe_error(err), EXIT_FAILED)
    typer.echo(str(path))


def refresh_dashboard(results_dir: Path) -> None:
    """Rewrite the dashboard after a run or sweep (and the sweep pages it lacks).

    The run is written and whole before this starts: a dashboard that cannot be
    written is one warning line on stderr, never a failed run.
    """
    from gdlab.pages.dashboard import refresh

    why = refresh(results_dir)
    if why:
        typer.echo(f"warning: {why}", err=True)
