"""`gdlab runs list|show|compare` and `gdlab verify`: the record, read back and checked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from gdlab.cli import tables
from gdlab.cli.app import (
    EXIT_FAILED,
    STATUS_STYLE,
    ResultsOption,
    app,
    fail,
    fmt_num,
    interrupted,
    interruptible,
)

runs_app = typer.Typer(
    help="Browse and compare the runs and sweeps in a results folder.\n\n"
    "Examples:\n\n  gdlab runs list\n\n  gdlab runs show 20261126T0405\n\n"
    "  gdlab runs compare 20261126T0405 20261126T0406",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(runs_app, name="runs")

RunRef = Annotated[str, typer.Argument(help="A run folder's path, or a unique prefix of its id.")]


def _fmt(value: Any) -> str:
    """A cell for a value read from a run folder, whatever it turns out to hold."""
    if isinstance(value, list):
        return ", ".join(_fmt(v) for v in value[:20])
    if isinstance(value, bool):  # as YAML and JSON write it
        return "true" if value else "false"
    if isinstance(value, float):
        return fmt_num(value, 5)
    return "" if value is None else str(value)[:200]


@runs_app.command(
    "list",
    epilog="Examples:\n\n  gdlab runs list\n\n  gdlab runs list --status diverged --last 5\n\n"
    "  gdlab runs list --json | jq '.[0].final_loss'",
)
@interruptible
def list_runs(
    results_dir: ResultsOption = Path("results"),
    status: Annotated[str | None, typer.Option("--status", help="Only this status.")] = None,
    last: Annotated[int | None, typer.Option("--last", min=1, help="Only the newest N.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON for scripts.")] = False,
) -> None:
    """List runs and sweeps, newest first, with their status as it truly is.

    A run that was killed outright shows as crashed: its folder says running
    but the process that wrote it is gone.
    """
    from gdlab.record.catalog import list_entries

    if results_dir.exists() and not results_dir.is_dir():
        fail(f"results folder {results_dir}: is not a folder")
    if not results_dir.exists() and results_dir != Path("results"):  # a typo, not "no runs yet"
        fail(f"results folder {results_dir}: no such folder")
    rows = [e.row() for e in list_entries(results_dir)]
    if status is not None:
        rows = [r for r in rows if r["status"] == status]
    rows = rows[:last] if last else rows
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    out = tables.console()
    columns = [
        tables.Column("id"),
        tables.Column("status"),
        tables.Column("optimizer", priority=2),
        tables.Column("lr", numeric=True, priority=1),
        tables.Column("epochs", numeric=True, priority=2),
        tables.Column("final loss", numeric=True, priority=1),
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
            row += ["sweep", "", _fmt(r["points"]), ""]
        else:
            row += [_fmt(r[k]) for k in ("optimizer", "lr", "epochs", "final_loss")]
        started = (r["started"] or "")[:19].replace("T", " ")
        row += [_fmt(r["w"]), _fmt(r["b"]), started, (r["git_commit"] or "")[:8]]
        cells.append(row)
    title = f"{len(rows)} runs and sweeps in {results_dir}"
    out.print(tables.fitted(out, columns, cells, title=title))
    for r in rows:
        if r["status"] == "unreadable":
            out.print(f"[yellow]unreadable[/] {r['id']}: {r['problem']}")


def _resolve(results_dir: Path, ref: str) -> Path:
    from gdlab.record.catalog import RunRefError, resolve

    try:
        return resolve(results_dir, ref)
    except RunRefError as err:
        fail(str(err))


@runs_app.command(
    "show",
    epilog="Examples:\n\n  gdlab runs show 20261126T0405\n\n"
    "  gdlab runs show results/runs/20261126T040523Z-default",
)
@interruptible
def show(run: RunRef, results_dir: ResultsOption = Path("results")) -> None:
    """Show one run: its summary, config, theory block and the paths of its plots."""
    import yaml

    from gdlab.record.catalog import read_entry

    entry = read_entry(_resolve(results_dir, run), "run")
    console = Console(highlight=False)
    style = STATUS_STYLE.get(entry.status, "yellow")
    console.print(f"[bold]{entry.path}[/]  [{style}]{entry.status}[/]")
    if entry.problem:
        console.print(f"[yellow]unreadable:[/] {entry.problem}")
    summary = {k: v for k, v in entry.summary.items() if k != "theory"}
    console.print_json(json.dumps(summary))
    console.print("[bold]config.yaml[/]")
    console.print(yaml.safe_dump(entry.config, sort_keys=False) if entry.config else "(unreadable)")
    if isinstance(entry.summary.get("theory"), dict):
        console.print("[bold]theory[/]")
        console.print_json(json.dumps(entry.summary["theory"]))
    plots = sorted(p.name for p in entry.path.iterdir() if p.suffix in (".png", ".gif"))
    console.print("[bold]plots[/]: " + (", ".join(str(entry.path / p) for p in plots) or "none"))


@runs_app.command("compare", epilog="Examples:\n\n  gdlab runs compare 20261126T0405 20261126T0406")
@interruptible
def compare(
    runs: Annotated[list[str], typer.Argument(help="Two or more runs (paths or id prefixes).")],
    results_dir: ResultsOption = Path("results"),
) -> None:
    """Put runs side by side: the config keys that differ, the results, and compare.png."""
    from gdlab.plots.common import save_png
    from gdlab.plots.run import compare_figure
    from gdlab.record import runs as run_files
    from gdlab.record.catalog import differing_keys, read_entry
    from gdlab.record.runner import describe_error, load_result

    if len(runs) < 2:
        fail("runs compare needs two or more runs")
    target = results_dir / "compare"
    if target.exists() and not target.is_dir():
        fail(f"results folder {target}: is not a folder, so compare.png has nowhere to go")
    entries = [read_entry(_resolve(results_dir, ref), "run") for ref in runs]
    rows = [
        [key, *(_fmt(v) for v in values)]
        for key, values in differing_keys(e.config for e in entries).items()
    ]
    for key in ("status", "epochs", "final_loss", "w", "b"):
        rows.append([key.replace("_", " "), *(_fmt(e.row()[key]) for e in entries)])
    console = tables.console()
    # A run's header is its name over its time stamp, so that both read at any width.
    headers = [tables.Column(e.id.replace("-", "\n", 1)) for e in entries]
    names = tables.Column("", wrap=False)
    for table in tables.blocks(console, names, headers, rows, title="compared"):
        console.print(table)
    finished = {}
    for e in entries:
        try:
            finished[e.id] = load_result(e.path).history
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            console.print(f"[yellow]{e.id}[/]: no readable metrics.csv and summary.json, left out")
    if len(finished) >= 2:
        try:
            folder = run_files.create_run_dir(target, "compare", run_files.now())
            with run_files.atomic_target(folder / "compare.png") as tmp:
                save_png(compare_figure(finished), tmp)
        except OSError as err:  # a full disk, or a folder that cannot be written
            fail(describe_error(err), EXIT_FAILED)
        console.print(f"loss curves: {folder / 'compare.png'}")


@app.command(
    epilog="Examples:\n\n  gdlab verify 20261126T0405\n\n"
    "Exit status 0 when every file reruns to the same bytes, 1 otherwise."
)
@interruptible
def verify(run: RunRef, results_dir: ResultsOption = Path("results")) -> None:
    """Rerun a run from its own config.yaml and compare the outputs byte for byte.

    The rerun goes to results/verify/; every file but meta.json (which records
    times and the machine) must have the same sha256.
    """
    from gdlab.core.data import DataError
    from gdlab.plots.files import draw_run_in_shares
    from gdlab.record import runner
    from gdlab.record import runs as run_files
    from gdlab.record.catalog import file_hashes
    from gdlab.record.config import ConfigError, load_config

    original = _resolve(results_dir, run)
    try:
        config = load_config(original / "config.yaml")
        rerun = runner.run_experiment(
            config,
            results_dir / "verify",
            original.name,
            run_files.python_argv(),
            draw=draw_run_in_shares,
        )
    except (ConfigError, DataError, run_files.RunDirError) as err:
        fail(str(err))
    except OSError as err:
        fail(runner.describe_error(err), EXIT_FAILED)
    except KeyboardInterrupt:
        interrupted()
    if rerun.summary["status"] == "interrupted":  # an interrupted rerun proves nothing either way
        interrupted()
    figures = rerun.summary.get("figures")
    if figures:  # a rerun that could not draw proves nothing about the figures either
        fail(f"the rerun's figures were not drawn: {figures['error']}", EXIT_FAILED)
    before, after = file_hashes(original), file_hashes(rerun.path)
    table = Table(
        title=f"verify {original.name}",
        caption=f"rerun: {rerun.path}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for column in ("file", "original sha256", "rerun sha256", ""):
        table.add_column(column)
    same = True
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name), after.get(name)
        ok = a == b
        same &= ok
        table.add_row(
            name,
            (a or "missing")[:16],
            (b or "missing")[:16],
            "[green]same[/]" if ok else "[bold red]DIFFERS[/]",
        )
    console = Console(highlight=False)
    console.print(table)
    if not same:
        console.print("[bold red]not reproducible[/]: the files marked DIFFERS changed")
        raise typer.Exit(1)
    console.print(f"[bold green]reproducible[/]: all {len(before)} files are byte-identical")
