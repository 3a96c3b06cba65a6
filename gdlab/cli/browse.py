"""`gdlab open`: a run's page (explore.html) in the default web browser."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from gdlab.cli.app import (
    EXIT_FAILED,
    ResultsOption,
    app,
    complete_run_ids,
    fail,
    interruptible,
    resolve_folder,
)

OptionalRunRef = Annotated[
    Optional[str],  # noqa: UP045  (Typer reads the annotation at run time, on Python 3.10 too)
    typer.Argument(
        metavar="RUN",
        help="A run or sweep folder's path, or a unique prefix of its id; none: the dashboard.",
        autocompletion=complete_run_ids,
    ),
]


@app.command(
    "open",
    epilog=(
        "Examples:\n\n"
        "  gdlab open                               # the dashboard of every run\n\n"
        "  gdlab open 20261126T0405                 # a run's page\n\n"
        "  gdlab open 20261126T0500                 # a sweep's page\n\n"
        "  gdlab open results/sweeps/20261126T0500Z-lr_study/runs/002-lr=0.005\n\n"
        "  gdlab open 20261126T0405 --print         # its path only, for scripts"
    ),
)
@interruptible
def open_page(
    run: OptionalRunRef = None,
    results_dir: ResultsOption = Path("results"),
    print_only: Annotated[
        bool, typer.Option("--print", help="Print the page's path; open no browser.")
    ] = False,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Write the page again from the run's files.")
    ] = False,
) -> None:
    """Open a run's page, a sweep's page or the dashboard in the web browser.

    A run's page works offline, from the file itself: drag the learning rate and
    watch the path, the loss and each eigen-direction follow, with gdlab's
    prediction in words. A run without a page (a sweep's point, a run from
    before pages) gets one written from its own files first. With no RUN, the
    dashboard of every run and sweep (results/index.html), written afresh.
    """
    from gdlab.pages.explore import PAGE, write_explore_for
    from gdlab.record.runner import FiguresMissing, describe_error

    if run is None:
        show_in_browser(_fresh_dashboard(results_dir), print_only)
        return
    folder, kind = resolve_folder(results_dir, run)
    if kind == "sweep":
        show_in_browser(_fresh_sweep_page(folder.resolve()), print_only)
        return
    page = folder.resolve() / PAGE
    if rebuild or not page.is_file():
        try:
            page = write_explore_for(folder.resolve())
        except ValueError as err:
            fail(str(err))
        except FiguresMissing as err:
            fail(f"{page}: not written: {err.reason}", EXIT_FAILED)
        except OSError as err:
            fail(describe_error(err), EXIT_FAILED)
    show_in_browser(page, print_only)


def _fresh_dashboard(results_dir: Path) -> Path:
    from gdlab.pages.dashboard import write_dashboard
    from gdlab.record.runner import describe_error

    if not results_dir.is_dir():
        what = "is not a folder" if results_dir.exists() else "no such folder (no runs yet?)"
        fail(f"results folder {results_dir}: {what}")
    try:
        return write_dashboard(results_dir.resolve())
    except OSError as err:
        fail(describe_error(err), EXIT_FAILED)


def _fresh_sweep_page(folder: Path) -> Path:
    from gdlab.pages.sweep_page import write_sweep_page
    from gdlab.record.runner import describe_error

    try:
        return write_sweep_page(folder)
    except OSError as err:
        fail(describe_error(err), EXIT_FAILED)


def show_in_browser(page: Path, print_only: bool) -> None:
    """Open ``page`` in the default browser and print its path; say so if none opens."""
    import webbrowser

    typer.echo(str(page))
    if print_only:
        return
    try:
        opened = webbrowser.open(page.resolve().as_uri())
    except webbrowser.Error:
        opened = False
    if not opened:
        typer.echo("no web browser found here: open the file above in one", err=True)
