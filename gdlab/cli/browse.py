"""`gdlab open`: a run's page (explore.html) in the default web browser."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gdlab.cli.app import (
    EXIT_FAILED,
    ResultsOption,
    RunRef,
    app,
    fail,
    interruptible,
    resolve_folder,
)


@app.command(
    "open",
    epilog=(
        "Examples:\n\n"
        "  gdlab open 20261126T0405                 # a run's page\n\n"
        "  gdlab open results/sweeps/20261126T0500Z-lr_study/runs/002-lr=0.005\n\n"
        "  gdlab open 20261126T0405 --print         # its path only, for scripts"
    ),
)
@interruptible
def open_page(
    run: RunRef,
    results_dir: ResultsOption = Path("results"),
    print_only: Annotated[
        bool, typer.Option("--print", help="Print the page's path; open no browser.")
    ] = False,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Write the page again from the run's files.")
    ] = False,
) -> None:
    """Open a run's interactive page, explore.html, in the default web browser.

    The page works offline, from the file itself: drag the learning rate and
    watch the path, the loss and each eigen-direction follow, with gdlab's
    prediction in words. A run without a page (a sweep's point, a run from
    before pages) gets one written from its own files first.
    """
    from gdlab.pages.explore import PAGE, write_explore_for
    from gdlab.record.runner import FiguresMissing, describe_error

    folder, _ = resolve_folder(results_dir, run, ("run",))
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
