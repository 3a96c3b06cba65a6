"""The Typer app and what every command shares: options, errors, progress, numbers."""

from __future__ import annotations

import functools
import math
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, ParamSpec

import typer
from rich.console import Console
from rich.markup import escape

from gdlab.version import __version__

if TYPE_CHECKING:
    pass

P = ParamSpec("P")

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1
STATUS_STYLE = {
    "completed": "green",
    "converged": "bold green",
    "diverged": "bold red",
    "failed": "bold red",
    "crashed": "bold red",
    "interrupted": "yellow",
    "running": "cyan",
}


def _words_for_arguments() -> None:
    """Typer writes a required argument as {RUN} in usage lines and its type as <list[str]>;
    gdlab's help names arguments by their metavar alone (RUN, [RUN], RUN...), as man pages do."""
    from typer.core import TyperArgument

    def usage(self: TyperArgument) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")

    TyperArgument._usage_display_name = usage  # type: ignore[method-assign]
    TyperArgument.display_type = lambda self, ctx: ""  # type: ignore[method-assign]


_words_for_arguments()

app = typer.Typer(
    name="gdlab",
    help=(
        "Gradient descent from the inside: fit a line to data with gradient descent "
        "written by hand in NumPy, and record every step.\n\n"
        "Examples:\n\n"
        "  gdlab train                         # the seed: y = 3x + 2 + noise\n\n"
        "  gdlab train --set optimizer.lr=0.1  # watch it diverge\n\n"
        "  gdlab sweep --config configs/lr_study.yaml\n\n"
        "  gdlab analyze --set optimizer.lr=0.1  # predict it before running it\n\n"
        "  gdlab runs list"
    ),
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gdlab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Gradient descent from the inside."""


def fail(message: str, status: int = EXIT_BAD_INPUT) -> NoReturn:
    """Report an error on stderr in one line and exit (2: bad input), no traceback."""
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"[red]error:[/red] {escape(message)}"
    )
    raise typer.Exit(status)


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the program is, exactly as Ctrl-C raises KeyboardInterrupt.

    So a scheduler's stop or a closed terminal takes the same road as Ctrl-C:
    finished epochs kept, the run marked interrupted, exit status 128 + signal.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


_last_signal = [int(signal.SIGINT)]  # what stopped us; Ctrl-C unless a handler says otherwise
# gdlab.record.owner.STOP_SIGNALS, spelled here: importing owner would load NumPy on every start.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _stop(signum: int, frame: object) -> None:
    """The first stop signal interrupts; later ones are noted and ignored, so a second Ctrl-C
    (or a scheduler signalling twice) cannot cut short the writing of what is done."""
    _last_signal[0] = signum
    for other in STOP_SIGNALS:
        signal.signal(other, _ignore)
    raise Stopped(signum)


def _ignore(signum: int, frame: object) -> None:
    """A stop signal after the first: the command is already on its way out."""


def handle_stop_signals() -> None:
    """Make SIGINT, SIGTERM and SIGHUP interrupt alike, once (called by the console script)."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, _stop)


def interruptible(command: Callable[P, None]) -> Callable[P, None]:
    """A command that says it was interrupted, and exits 128 + the signal, wherever it is."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except KeyboardInterrupt:
            interrupted()

    return run


def announce_if_long(seconds: float, what: str) -> None:
    """Say on stderr, before it starts, that the work will take a while (Ctrl-C keeps it)."""
    from gdlab.record.budget import LONG_SECONDS, describe_seconds

    if seconds > LONG_SECONDS:
        Console(stderr=True, highlight=False).print(
            f"[yellow]note:[/] {what} will take {describe_seconds(seconds)} of training; "
            "Ctrl-C keeps what is done"
        )


def interrupted() -> NoReturn:
    """Say on stderr which signal interrupted the command; exit 128 + its number (130: Ctrl-C)."""
    name = signal.Signals(_last_signal[0]).name
    Console(stderr=True, highlight=False).print(f"[yellow]interrupted[/] ({name})")
    raise typer.Exit(128 + _last_signal[0])


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        metavar="FILE",
        help="YAML config file; keys it leaves out keep their defaults.",
    ),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        "-s",
        metavar="KEY=VALUE",
        help="Override one config key, e.g. optimizer.lr=0.01 (repeatable).",
    ),
]
ResultsOption = Annotated[
    Path,
    typer.Option("--results-dir", "-r", metavar="DIR", help="Where run folders are written."),
]


def fmt_opt(value: Any) -> str:
    return "–" if value is None else str(value)


def fmt_num(value: float | str | None, digits: int = 6) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else f"{value:.{digits}g}"


TagOption = Annotated[
    list[str] | None,
    typer.Option("--tag", "-t", metavar="TAG", help="A tag to keep (repeatable); runs list --tag."),
]
NoteOption = Annotated[
    str | None, typer.Option("--note", metavar="TEXT", help="A note to keep with the results.")
]


def check_labels(tags: list[str] | None) -> None:
    """Refuse bad tags before anything runs (one clear line)."""
    from gdlab.record.labels import LabelError, check_tags

    try:
        check_tags(tags or [])
    except LabelError as err:
        fail(str(err))


def write_labels(folder: Path, tags: list[str] | None, note: str | None) -> None:
    """Keep the tags and note beside a finished run's or sweep's results."""
    from gdlab.record.labels import add_labels

    if tags or note is not None:
        add_labels(folder, tags or [], note)


def complete_run_ids(incomplete: str) -> list[str]:
    """Shell completion for RUN: the run and sweep ids under ./results that start so."""
    ids = []
    for kind in ("runs", "sweeps"):
        folder = Path("results") / kind
        if folder.is_dir():
            ids += [p.name for p in folder.iterdir() if p.is_dir()]
    return sorted((i for i in ids if i.startswith(incomplete)), reverse=True)


RunRef = Annotated[
    str,
    typer.Argument(
        metavar="RUN",
        help="A run or sweep folder's path, or a unique prefix of its id.",
        autocompletion=complete_run_ids,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="JSON for scripts (its keys: README, JSON output).")
]


def resolve_folder(results_dir: Path, ref: str, kinds: tuple[str, ...] = ("run", "sweep")) -> Any:
    """(folder, kind) of a run or sweep named by path or id prefix, or one clear error line."""
    from gdlab.record.catalog import RunRefError, resolve

    try:
        return resolve(results_dir, ref, kinds)
    except RunRefError as err:
        fail(str(err))


def print_json(value: Any) -> None:
    """JSON on stdout for scripts; inf and nan as the strings run folders hold."""
    import json

    typer.echo(json.dumps(_jsonable(value), indent=2))


def _jsonable(value: Any) -> Any:
    """inf and nan (which JSON has no words for) as strings, the rest as it is."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value
