"""`gdlab runs show`: one run or sweep, summed up: what it was asked, found and predicted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console, RenderableType

from gdlab.cli import tables
from gdlab.cli.app import (
    STATUS_STYLE,
    JsonOption,
    ResultsOption,
    RunRef,
    interruptible,
    print_json,
    resolve_folder,
)
from gdlab.cli.runs import runs_app


@runs_app.command(
    "show",
    epilog="Examples:\n\n  gdlab runs show 20261126T0405\n\n"
    "  gdlab runs show results/sweeps/20261126T050000Z-lr_study\n\n"
    "  gdlab runs show 20261126T0405 --json | jq .summary.theory.predicted",
)
@interruptible
def show(
    run: RunRef,
    results_dir: ResultsOption = Path("results"),
    as_json: JsonOption = False,
) -> None:
    """Show a run or sweep: what it was asked, what it found, and where its files are.

    A run: its status, the keys its config changes from the defaults, the
    result beside the least-squares optimum, theory's prediction beside what
    happened, and its files. A sweep: its grid and one line per point.
    """
    from gdlab.record.catalog import read_entry, sweep_points

    folder, kind = resolve_folder(results_dir, run)
    entry = read_entry(folder, kind)
    files = sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    points = [read_entry(p, "run") for p in sweep_points(folder)] if kind == "sweep" else []
    if as_json:
        print_json(
            {
                **entry.row(),
                "summary": entry.summary,
                "config": entry.config,
                "meta": entry.meta,
                "files": files,
                "points": [p.row() for p in points] if kind == "sweep" else None,
            }
        )
        return
    out = tables.console()
    style = STATUS_STYLE.get(entry.status, "yellow")
    out.print(f"[bold]{kind} {entry.id}[/]  [{style}]{entry.status}[/]\n{entry.path}")
    if entry.problem:
        out.print(f"[yellow]unreadable:[/] {entry.problem}")
    if entry.labels.tags or entry.labels.note:
        tags = " ".join(entry.labels.tags)
        out.print(
            f"tags: {tags or '–'}" + (f"; note: {entry.labels.note}" if entry.labels.note else "")
        )
    if kind == "sweep":
        _show_sweep(out, entry, points)
    else:
        for table in _run_tables(out, entry):
            out.print(table)
    out.print("files: " + ", ".join(files))


def _run_tables(out: Console, entry: Any) -> list[RenderableType]:
    """What a run was asked (config keys off their defaults), found, and predicted."""
    from gdlab.record.catalog import flatten
    from gdlab.record.config import resolve_defaults
    from gdlab.record.schema import Config

    defaults = flatten(resolve_defaults(Config()).to_dict())  # as a run's config.yaml has them
    asked = [
        [key, tables.cell(value, exact=True)]
        for key, value in flatten(entry.config).items()
        if repr(value) != repr(defaults.get(key))
    ]
    summary = entry.summary
    final, ls = summary.get("final") or {}, summary.get("least_squares") or {}
    found = [
        [name, tables.cell(final.get(k)), tables.cell(ls.get(k))]
        for name, k in (("w", "w"), ("b", "b"))
    ]
    found.append(["loss", tables.cell(final.get("loss")), tables.cell(ls.get("loss"))])
    found.append(["epochs run", tables.cell(summary.get("epochs_run")), ""])
    theory = summary.get("theory") or {}
    predicted, observed = theory.get("predicted") or {}, theory.get("observed") or {}
    keys = ("outcome", "epochs_to_tol", "first_inf_epoch", "first_nan_epoch")
    told = [
        [k.replace("_", " "), tables.cell(predicted.get(k)), tables.cell(observed.get(k))]
        for k in keys
    ]
    text = tables.Column

    def number(header: str) -> tables.Column:
        return tables.Column(header, numeric=True)

    return [
        tables.fitted(
            out,
            [text("key"), text("value")],
            asked or [["(all defaults)", ""]],
            title="config (keys off their defaults)",
        ),
        tables.fitted(
            out, [text(""), text("learned"), text("least squares")], found, title="result"
        ),
        tables.fitted(
            out,
            [text(""), number("predicted"), number("observed")],
            told,
            title=f"theory (tol {tables.cell(theory.get('tol'))})",
        ),
    ]


def _show_sweep(out: Console, entry: Any, points: list[Any]) -> None:
    """A sweep's grid and one line per point."""
    from gdlab.record.yamlfiles import read_yaml

    try:
        spec = read_yaml(entry.path / "sweep.yaml")
    except Exception:  # an unreadable sweep.yaml: the points still say what ran
        spec = {}
    grid = spec.get("grid") if isinstance(spec, dict) else None
    for key, values in (grid or {}).items():
        out.print(f"grid {key}: {', '.join(tables.cell(v, exact=True) for v in values)}")
    counts = {k: v for k, v in entry.summary.items() if k in ("points", "finished")}
    out.print(", ".join(f"{k}: {v}" for k, v in counts.items()))
    columns = [
        tables.Column("point"),
        tables.Column("status"),
        tables.Column("lr", numeric=True, priority=1),
        tables.Column("epochs", numeric=True, priority=2),
        tables.Column("final loss", numeric=True, priority=1),
    ]
    rows = []
    for p in points:
        r = p.row()
        style = STATUS_STYLE.get(r["status"], "yellow")
        rows.append(
            [
                r["id"],
                f"[{style}]{r['status']}[/]",
                *(tables.cell(r[k]) for k in ("lr", "epochs", "final_loss")),
            ]
        )
    out.print(tables.fitted(out, columns, rows, title=f"{len(points)} points"))
