"""The ``gdlab`` command line: a thin layer over the runner. The only Typer/Rich importer."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gdlab import __version__

EXIT_BAD_INPUT = 2
STATUS_STYLE = {"completed": "green", "converged": "bold green", "diverged": "bold red"}

app = typer.Typer(
    name="gdlab",
    help=(
        "Gradient descent from the inside: fit a line to data with gradient descent "
        "written by hand in NumPy, and record every step.\n\n"
        "Examples:\n\n"
        "  gdlab train                         # the seed: y = 3x + 2 + noise\n\n"
        "  gdlab train --set optimizer.lr=0.1  # watch it diverge\n\n"
        "  gdlab train --config configs/default.yaml --name mine"
    ),
    no_args_is_help=True,
    add_completion=False,
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


def fail(message: str) -> NoReturn:
    """Report bad input on stderr in one line and exit with status 2, no traceback."""
    Console(stderr=True, highlight=False, soft_wrap=True).print(f"[red]error:[/red] {message}")
    raise typer.Exit(EXIT_BAD_INPUT)


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="YAML config file; keys it leaves out keep their defaults."
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
    Path, typer.Option("--results-dir", "-r", help="Where run folders are written.")
]


@app.command(
    epilog=(
        "Examples:\n\n"
        "  gdlab train\n\n"
        "  gdlab train --set optimizer.lr=0.001 --set training.epochs=20000\n\n"
        "  gdlab train --config configs/default.yaml --name baseline --show\n\n"
        "Each run writes results/runs/<UTC timestamp>-<name>/ with config.yaml, data.csv, "
        "metrics.csv, summary.json, meta.json, fit.png, loss.png and params.png."
    )
)
def train(
    config: ConfigOption = None,
    set_: SetOption = None,
    name: Annotated[
        str | None, typer.Option("--name", "-n", help="Run name (default: the config's stem).")
    ] = None,
    results_dir: ResultsOption = Path("results"),
    show: Annotated[
        bool, typer.Option("--show", help="Open the fit plot in a window, if there is a display.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the run folder's path.")
    ] = False,
) -> None:
    """Train one model by gradient descent and write its run folder.

    With no options this is the seed experiment: 100 points from y = 3x + 2 plus
    Gaussian noise (sd 1, seed 42), starting at w = 0, b = 0, learning rate 0.005,
    10,000 epochs of full-batch gradient descent.
    """
    from gdlab import runner, runs
    from gdlab.config import ConfigError, load_config

    try:
        cfg = load_config(config, set_ or [])
        run_name = runs.check_name(name or (config.stem if config else "default"))
    except (ConfigError, ValueError) as err:
        fail(str(err))
    console = Console(highlight=False)
    try:
        with _progress(console, cfg.training.epochs, enabled=not quiet) as on_progress:
            result = runner.run_experiment(
                cfg, results_dir / "runs", run_name, runs.python_argv(), on_progress
            )
    except runs.RunDirError as err:
        fail(str(err))
    if quiet:
        typer.echo(str(result.path))
    else:
        console.print(_summary_table(result.summary, result.path))
    if show:
        _show_fit(console, result.path)


@app.command(
    epilog=(
        "Examples:\n\n"
        "  gdlab sweep --config configs/lr_study.yaml      # the seed's learning-rate study\n\n"
        "  gdlab sweep --grid optimizer.lr=0.001,0.01,0.03,0.05 --set training.epochs=2000\n\n"
        "  gdlab sweep --grid optimizer.lr=0.005,0.02 --seeds 1,2,3,4,5\n\n"
        "Writes results/sweeps/<UTC timestamp>-<name>/ with sweep.yaml, sweep.csv, "
        "loss_curves.png, trajectories.png, distance_vs_lr.png and runs/<one folder per point>/."
    )
)
def sweep(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="Sweep YAML (base, grid, seeds) or a run config used as base."
        ),
    ] = None,
    grid: Annotated[
        list[str] | None,
        typer.Option(
            "--grid",
            "-g",
            metavar="KEY=V1,V2,...",
            help="Values to sweep for one key (repeatable; several keys give every combination).",
        ),
    ] = None,
    seeds: Annotated[
        str | None,
        typer.Option(
            "--seeds", metavar="S1,S2,...", help="Repeat every point over these data seeds."
        ),
    ] = None,
    set_: SetOption = None,
    name: Annotated[
        str | None, typer.Option("--name", "-n", help="Sweep name (default: from the config).")
    ] = None,
    results_dir: ResultsOption = Path("results"),
) -> None:
    """Run a grid of configs and compare them, predicted against observed.

    Every point gets a full run folder. A run that diverges is a result; a run
    that fails is recorded as failed, the others still run, and the exit status
    is 1. Predictions come from the Hessian's eigenvalues before any run starts.
    """
    from gdlab import runs
    from gdlab import sweep as sweeps
    from gdlab.config import ConfigError

    try:
        spec = sweeps.load_sweep(config, grid or [], seeds, set_ or [], name)
        runs.check_name(spec.name)
        folder = sweeps.start_sweep_folder(spec, results_dir)
    except (ConfigError, ValueError, runs.RunDirError) as err:
        fail(str(err))
    console = Console(highlight=False)
    results, rows = _run_sweep_with_progress(console, spec, folder)
    console.print(_sweep_table(rows, spec, folder, console.width))
    for problem in sweeps.disagreements(rows):
        console.print(f"[bold red]prediction and observation disagree:[/] {problem}")
    failed = [r for r in results if r.status == "failed"]
    for result in failed:
        console.print(f"[bold red]failed:[/] {result.point.label}: {result.error}")
    if failed:
        raise typer.Exit(1)


@app.command(
    epilog=(
        "Examples:\n\n"
        "  gdlab reproduce                 # what `make reproduce` runs\n\n"
        "  gdlab reproduce --results-dir /tmp/check\n\n"
        "Writes <results-dir>/REPORT.md and a self-contained REPORT.html (figures inlined), "
        "beside the run and sweep folders they describe."
    )
)
def reproduce(
    study: Annotated[
        Path, typer.Option("--study", help="The learning-rate study to run (a sweep YAML).")
    ] = Path("configs/lr_study.yaml"),
    results_dir: Annotated[
        Path, typer.Option("--results-dir", "-r", help="Where the runs and the report go.")
    ] = Path("results/reproduce"),
) -> None:
    """Re-create the seed's study end to end and check each of its claims.

    Runs the default experiment and the learning-rate study, then writes a report
    with one row per claim of the seed: its figure, ours, and whether it holds.
    Exits 1 if any claim does not hold.
    """
    from gdlab import claims, report, runner, runs
    from gdlab import sweep as sweeps
    from gdlab.config import Config, ConfigError

    try:
        spec = sweeps.load_sweep(study)
        folder = sweeps.start_sweep_folder(spec, results_dir)
    except (ConfigError, runs.RunDirError) as err:
        fail(str(err))
    console = Console(highlight=False)
    console.print("1/2  the default experiment (lr 0.005, 10,000 epochs)")
    with _progress(console, Config().training.epochs, enabled=True) as on_progress:
        run = runner.run_experiment(
            Config(), results_dir / "runs", "seed", runs.python_argv(), on_progress
        )
    console.print(f"2/2  the learning-rate study: {len(spec.points)} runs")
    results, rows = _run_sweep_with_progress(console, spec, folder)
    if any(r.status == "failed" for r in results):
        fail(f"the study had failed runs; see {folder / 'sweep.csv'}")
    verdicts = claims.check_claims(run.summary, rows)
    blocks = report.reproduce_blocks(run.path, run.summary, folder, rows, verdicts)
    paths = report.write_report(blocks, results_dir, "REPORT", "gdlab: reproducing the seed")
    console.print(_claims_table(verdicts))
    console.print("report: " + " and ".join(str(p) for p in paths))
    if not all(c.holds for c in verdicts):
        raise typer.Exit(1)


def _claims_table(verdicts: Any) -> Table:
    table = Table(
        title="The seed's claims", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False
    )
    table.add_column("#", justify="right")
    table.add_column("claim", ratio=2)
    table.add_column("gdlab", ratio=3)
    table.add_column("", no_wrap=True)
    for i, claim in enumerate(verdicts, start=1):
        mark = "[bold green]✓ holds[/]" if claim.holds else "[bold red]✗ fails[/]"
        table.add_row(str(i), claim.claim, claim.ours, mark)
    return table


def _run_sweep_with_progress(console: Console, spec: Any, folder: Path) -> tuple[Any, Any]:
    """Run a sweep under one progress bar (points done / all), then draw its figures."""
    from gdlab import runs
    from gdlab import sweep as sweeps

    bar = _bar(console, "sweep", "{task.fields[point]}") if console.is_terminal else None
    with bar if bar is not None else nullcontext():
        task = bar.add_task("sweep", total=len(spec.points), point="") if bar else None

        def done(result: sweeps.PointResult) -> None:
            if bar is not None and task is not None:
                bar.update(task, advance=1, point=result.point.label)

        results = sweeps.run_sweep(spec, folder, runs.python_argv(), done)
    rows = sweeps.sweep_rows(results, folder)
    sweeps.write_plots(folder, results)
    return results, rows


def _sweep_table(rows: list[dict[str, Any]], spec: Any, folder: Path, width: int) -> Table:
    swept = [*spec.grid, *(["data.seed"] if spec.seeds is not None else [])]
    table = Table(
        title=f"sweep {spec.name}: {len(rows)} runs",
        caption=f"epochs are predicted/seen: theory's prediction, then the run's\n"
        f"sweep folder: {folder}",
        title_justify="left",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for key in swept:
        table.add_column(key.rsplit(".", 1)[-1], justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True, min_width=9)
    # w and b are in sweep.csv; on a narrow terminal the epochs matter more.
    wide = width >= 100
    for column in (*(("w", "b") if wide else ()), "‖θ−θ_ls‖", "to tol", "inf at", "nan at"):
        table.add_column(column, justify="right", no_wrap=True)
    if any(r["status"] != "diverged" and r.get("observed_outcome") == "diverges" for r in rows):
        table.caption = (
            f"{table.caption}\n[bold yellow]yellow[/]: ran all its epochs but its error grew; "
            "the rate is above critical for that data"
        )
    for row in rows:
        status = row["status"]
        growing = status != "diverged" and row.get("observed_outcome") == "diverges"
        style = "bold yellow" if growing else STATUS_STYLE.get(status, "yellow")
        cells = [str(row.get(key)) for key in swept]
        cells.append(f"[{style}]{status}[/]")
        if status == "failed":
            table.add_row(*cells)
            continue
        w = row.get("w", row.get("w_1"))
        numbers = (w, row["b"]) if wide else ()
        cells += [_num(value, digits=4) for value in (*numbers, row["distance_to_least_squares"])]
        for key in ("epochs_to_tol", "first_inf_epoch", "first_nan_epoch"):
            cells.append(f"{_opt(row[f'predicted_{key}'])}/{_opt(row[f'observed_{key}'])}")
        table.add_row(*cells)
    return table


def _opt(value: Any) -> str:
    return "–" if value is None else str(value)


def _bar(console: Console, label: str, detail: str) -> Progress:
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(detail),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


class _progress:
    """A Rich progress bar fed by the training callback; silent when not on a terminal."""

    def __init__(self, console: Console, epochs: int, enabled: bool) -> None:
        self.bar: Progress | None = None
        if enabled and console.is_terminal:
            self.bar = _bar(console, "training", "loss {task.fields[loss]}")
            self.task = self.bar.add_task("train", total=epochs, loss="…")

    def __enter__(self) -> Any:
        if self.bar is None:
            return None
        self.bar.start()
        return self.update

    def update(self, epoch: int, loss: float) -> None:
        assert self.bar is not None
        self.bar.update(self.task, completed=epoch, loss=f"{loss:.4g}")

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _summary_table(summary: dict[str, Any], path: Path) -> Table:
    status = summary["status"]
    title = (
        f"[{STATUS_STYLE.get(status, 'yellow')}]{status}[/] after "
        f"{summary['epochs_run']:,} epochs at lr = {summary['lr']:g}"
    )
    table = Table(title=title, caption=f"run folder: {path}", title_justify="left")
    table.add_column("")
    for column in ("learned", "least squares", "true"):
        table.add_column(column, justify="right")
    final, ls, true = summary["final"], summary["least_squares"], summary["true"]
    names = ["w"] if len(final["w"]) == 1 else [f"w_{i + 1}" for i in range(len(final["w"]))]
    for i, name in enumerate(names):
        table.add_row(name, _num(final["w"][i]), _num(ls["w"][i]), _num(true["w"][i]))
    table.add_row("b", _num(final["b"]), _num(ls["b"]), _num(true["b"]))
    table.add_row("loss (MSE)", _num(final["loss"]), _num(ls["loss"]), "")
    table.add_section()
    table.add_row("loss at epoch 0", _num(summary["initial_loss"]), "", "")
    table.add_row("noise variance", "", "", _num(summary["noise_variance"]))
    table.add_row("distance to least squares", _num(summary["distance_to_least_squares"]), "", "")
    for key in ("first_inf_epoch", "first_nan_epoch"):
        if summary[key] is not None:
            table.add_row(f"[red]{key.replace('_', ' ')}[/]", f"[red]{summary[key]}[/]", "", "")
    return table


def _num(value: float | str | None, digits: int = 6) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else f"{value:.{digits}g}"


def _show_fit(console: Console, folder: Path) -> None:
    from gdlab import plots

    fit = folder / "fit.png"
    if not fit.exists():
        console.print("--show: this run drew no plots (output.plots is false).")
    elif not plots.can_show():
        console.print(f"--show: no display found, so no window; the fit plot is at {fit}")
    else:
        plots.show_png(fit)


def main() -> None:
    """Entry point of the ``gdlab`` console script."""
    app()
