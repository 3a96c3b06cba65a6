"""`gdlab verify`: rerun a run (or every point of a sweep) and compare the files byte for byte."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import typer

from gdlab.cli import tables
from gdlab.cli.app import (
    EXIT_FAILED,
    JsonOption,
    ResultsOption,
    RunRef,
    app,
    fail,
    interrupted,
    interruptible,
    print_json,
    resolve_folder,
)


@dataclass(frozen=True)
class Check:
    """One run rerun: its files' sha256 before and after."""

    original: Path
    rerun: Path
    before: dict[str, str]
    after: dict[str, str]

    @property
    def same(self) -> bool:
        """Whether every file reran to the same bytes."""
        return self.before == self.after

    def files(self) -> dict[str, dict[str, Any]]:
        """Per file: the two hashes and whether they agree."""
        names = sorted(set(self.before) | set(self.after))
        return {
            n: {
                "original": self.before.get(n),
                "rerun": self.after.get(n),
                "same": self.before.get(n) == self.after.get(n),
            }
            for n in names
        }


@app.command(
    epilog="Examples:\n\n  gdlab verify 20261126T0405\n\n"
    "  gdlab verify results/sweeps/20261126T0500Z-lr_study   # every point\n\n"
    "Exit status 0 when every file reruns to the same bytes, 1 otherwise."
)
@interruptible
def verify(
    run: RunRef, results_dir: ResultsOption = Path("results"), as_json: JsonOption = False
) -> None:
    """Rerun a run from its own config.yaml and compare the outputs byte for byte.

    The rerun goes to results/verify/; every file but meta.json (which records
    times and the machine) must have the same sha256. For a sweep, every point
    is rerun on its own.
    """
    from gdlab.record.catalog import sweep_points

    folder, kind = resolve_folder(results_dir, run)
    originals = sweep_points(folder) if kind == "sweep" else [folder]
    if not originals:
        fail(f"{folder}: the sweep has no points to rerun yet")
    checks = [_rerun(original, results_dir) for original in originals]
    same = all(c.same for c in checks)
    if as_json:
        print_json(
            {
                "reproducible": same,
                "runs": [
                    {
                        "run": str(c.original),
                        "rerun": str(c.rerun),
                        "same": c.same,
                        "files": c.files(),
                    }
                    for c in checks
                ],
            }
        )
    else:
        _print(checks)
    if not same:
        raise typer.Exit(1)


def _rerun(original: Path, results_dir: Path) -> Check:
    """Rerun one run folder from its config.yaml; one clear line if it cannot be."""
    from gdlab.core.data import DataError
    from gdlab.pages.explore import PAGE, write_explore
    from gdlab.plots.files import draw_run_in_shares
    from gdlab.record import runner
    from gdlab.record import runs as run_files
    from gdlab.record.catalog import file_hashes
    from gdlab.record.config import ConfigError, load_config

    page = (original / PAGE).exists()
    try:
        config = load_config(original / "config.yaml")
        rerun = runner.run_experiment(
            config,
            results_dir / "verify",
            original.name,
            run_files.python_argv(),
            # a sweep's points have no page of their own: the rerun writes what the run wrote
            draw=partial(draw_run_in_shares, meanwhile=write_explore if page else None),
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
    return Check(original, rerun.path, file_hashes(original), file_hashes(rerun.path))


def _print(checks: list[Check]) -> None:
    out = tables.console()
    columns = [
        tables.Column("file"),
        tables.Column("original sha256", wrap=False),
        tables.Column("rerun sha256", wrap=False, priority=1),
        tables.Column(""),
    ]
    if len(checks) > 1:  # a sweep: a line per point, the files only where they differ
        lines = [
            [
                c.original.name,
                str(len(c.before)),
                "[green]same[/]" if c.same else "[bold red]DIFFERS[/]",
            ]
            for c in checks
        ]
        point_columns = [
            tables.Column("point"),
            tables.Column("files", numeric=True),
            tables.Column(""),
        ]
        out.print(tables.fitted(out, point_columns, lines, title=f"verify: {len(checks)} points"))
        checks = [c for c in checks if not c.same]
    for check in checks:
        rows = [
            [
                name,
                (f["original"] or "missing")[:16],
                (f["rerun"] or "missing")[:16],
                "[green]same[/]" if f["same"] else "[bold red]DIFFERS[/]",
            ]
            for name, f in check.files().items()
        ]
        title, caption = f"verify {check.original.name}", f"rerun: {check.rerun}"
        out.print(tables.fitted(out, columns, rows, title=title, caption=caption))
    if not all(c.same for c in checks):
        out.print("[bold red]not reproducible[/]: the files marked DIFFERS changed")
        return
    out.print("[bold green]reproducible[/]: every file is byte-identical")
