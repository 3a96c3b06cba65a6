"""`gdlab runs rm|restore|tag`: tidy a results folder without ever losing a run silently."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gdlab.cli import tables
from gdlab.cli.app import (
    EXIT_FAILED,
    NoteOption,
    ResultsOption,
    RunRef,
    TagOption,
    check_labels,
    fail,
    interruptible,
    resolve_folder,
    write_labels,
)
from gdlab.cli.runs import refresh_dashboard, runs_app


@runs_app.command(
    "rm",
    epilog="Examples:\n\n  gdlab runs rm 20261126T0405\n\n"
    "  gdlab runs restore 20261126T040523Z-default   # undo\n\n"
    "Nothing is deleted: the folders move to <results-dir>/trash/, "
    "whence `gdlab runs restore` brings them back. Delete trash/ yourself when sure.",
)
@interruptible
def remove(
    runs: Annotated[list[str], typer.Argument(metavar="RUN", help="Runs or sweeps to move away.")],
    results_dir: ResultsOption = Path("results"),
) -> None:
    """Move runs or sweeps to the results folder's trash, restorable."""
    from gdlab.record.catalog import read_entry
    from gdlab.record.labels import move_to_trash
    from gdlab.record.owner import FolderBusy, check_free

    found = [resolve_folder(results_dir, ref) for ref in runs]  # all found, or nothing moved
    for folder, kind in found:
        if read_entry(folder, kind).status == "running":  # its writer is alive
            fail(f"{folder}: the {kind} is still running; wait for it to end, or stop it")
    out = tables.console()
    for folder, kind in found:
        try:
            check_free(folder)  # a run or sweep still being written stays
            moved = move_to_trash(results_dir, folder, kind)
        except FolderBusy as err:
            fail(str(err))
        except OSError as err:
            fail(f"{folder}: cannot be moved to the trash ({err})", EXIT_FAILED)
        out.print(f"moved {kind} {folder.name} to {moved}")
    refresh_dashboard(results_dir)
    names = " ".join(folder.name for folder, _ in found)
    out.print(f"undo with: gdlab runs restore {names} --results-dir {results_dir}")


@runs_app.command("restore", epilog="Examples:\n\n  gdlab runs restore 20261126T040523Z-default")
@interruptible
def restore_runs(
    names: Annotated[
        list[str], typer.Argument(metavar="NAME", help="Folder names in <results-dir>/trash/.")
    ],
    results_dir: ResultsOption = Path("results"),
) -> None:
    """Bring runs or sweeps back from the trash to where they were."""
    from gdlab.record.labels import restore

    out = tables.console()
    for name in names:
        try:
            back, kind = restore(results_dir, name)
        except (FileNotFoundError, FileExistsError) as err:
            fail(str(err))
        except OSError as err:
            fail(f"{name}: cannot be restored ({err})", EXIT_FAILED)
        out.print(f"restored {kind} {back}")
    refresh_dashboard(results_dir)


@runs_app.command(
    "tag",
    epilog="Examples:\n\n  gdlab runs tag 20261126T0405 --tag baseline\n\n"
    "  gdlab runs tag 20261126T0405 --note 'the data before cleaning'",
)
@interruptible
def tag_run(
    run: RunRef,
    tag: TagOption = None,
    note: NoteOption = None,
    results_dir: ResultsOption = Path("results"),
) -> None:
    """Add tags or a note to a run or sweep after the fact (its results stay as they are)."""
    if not tag and note is None:
        fail("runs tag needs --tag TAG (repeatable) or --note TEXT")
    check_labels(tag)
    folder, kind = resolve_folder(results_dir, run)
    try:
        write_labels(folder, tag, note)
    except OSError as err:
        fail(f"{folder}: cannot write its labels ({err})", EXIT_FAILED)
    typer.echo(f"{kind} {folder.name}: labels.json updated")
    refresh_dashboard(results_dir)
