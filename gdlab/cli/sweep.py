"""`gdlab sweep`: a grid of runs, compared, predicted beside observed."""

from __future__ import annotations

import shlex
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console, RenderableType

from gdlab.cli import tables
from gdlab.cli.app import (
    EXIT_FAILED,
    STATUS_STYLE,
    JsonOption,
    NoteOption,
    ResultsOption,
    SetOption,
    TagOption,
    announce_if_long,
    app,
    check_labels,
    fail,
    fmt_num,
    fmt_opt,
    interrupted,
    interruptible,
    print_json,
    write_labels,
)
from gdlab.cli.progress import Redraws, progress_bar
from gdlab.cli.runs import refresh_dashboard

# Where a sweep's points run: gdlab.record.cluster.LauncherName, spelled here because that
# module loads NumPy, and `gdlab --help` stays light (a test checks the two agree).
Launcher = Literal["local", "dask"]


@app.command(
    epilog=(
        "Examples:\n\n"
        "  gdlab sweep --config configs/lr_study.yaml      # the seed's learning-rate study\n\n"
        "  gdlab sweep --grid optimizer.lr=0.001,0.01,0.03,0.05 --set training.epochs=2000\n\n"
        "  gdlab sweep --grid optimizer.lr=0.005,0.02 --seeds 1,2,3,4,5\n\n"
        "  gdlab sweep --resume results/sweeps/20261126T041953Z-lr_study\n\n"
        "  gdlab sweep --grid optimizer.name=gd,adam --seeds 1,2,3 --jobs 2   # 2 processes\n\n"
        "  gdlab sweep -c configs/lr_study.yaml --launcher dask --scheduler tcp://head:8786 "
        "-r /shared/results   # a Dask cluster (pip install 'gdlab[dask]')\n\n"
        "Writes results/sweeps/<UTC timestamp>-<name>/ with sweep.yaml, sweep.csv, "
        "loss_curves.png, trajectories.png, distance_vs_lr.png and runs/<one folder per "
        "point>/. output.plots=false leaves out each run's figures; --no-figures every figure."
    )
)
@interruptible
def sweep(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            metavar="FILE",
            help="Sweep YAML (base, grid, seeds) or a run config used as base.",
        ),
    ] = None,
    grid_items: Annotated[
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
        str | None,
        typer.Option("--name", "-n", metavar="NAME", help="Sweep name (default: from the config)."),
    ] = None,
    results_dir: ResultsOption = Path("results"),
    resume: Annotated[
        Path | None,
        typer.Option(
            "--resume",
            metavar="SWEEP_DIR",
            help="Finish an interrupted sweep: reuse its finished points, run the rest.",
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress or table: only the folder's path.")
    ] = False,
    as_json: JsonOption = False,
    tag: TagOption = None,
    note: NoteOption = None,
    figures: Annotated[
        bool,
        typer.Option(
            "--figures/--no-figures",
            help="Draw the sweep's comparison figures (--no-figures: no figure at all, "
            "each run's included: the quickest sweep).",
        ),
    ] = True,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            metavar="N",
            min=1,
            help="Points run at once, in N worker processes (default: one per core, unless "
            "the sweep is quick; 1: one after another; with --launcher dask, the local "
            "cluster's workers). The results are the same bits either way.",
        ),
    ] = None,
    launcher: Annotated[
        Launcher,
        typer.Option(
            "--launcher",
            metavar="local|dask",
            help="Where the points run: local (this machine, --jobs processes) or dask (a Dask "
            "cluster: needs pip install 'gdlab[dask]'). Same bits either way.",
        ),
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDRESS",
            help="With --launcher dask: the Dask scheduler to hand the points to, e.g. "
            "tcp://10.0.0.5:8786 (default: a cluster started here with --jobs workers). Its "
            "workers write the points' folders: they need the results folder on a filesystem "
            "they all see at the same path, and this gdlab installed.",
        ),
    ] = None,
) -> None:
    """Run a grid of configs and compare them, predicted against observed.

    Every point gets a full run folder. A run that diverges is a result; a run
    that fails is recorded as failed, the others still run, and the exit status
    is 1. Predictions come from the Hessian's eigenvalues before any run starts.
    """
    import numpy as np

    from gdlab.record import cluster, grid, owner, runner, runs, sweep_files
    from gdlab.record.config import ConfigError

    check_labels(tag)
    try:
        if scheduler is not None and launcher != "dask":
            fail("--scheduler is for --launcher dask")
        if launcher == "dask":
            cluster.check(scheduler)  # no extra, or no address: said before anything is written
        if resume is not None:
            if config or grid_items or seeds or set_ or name or not figures:
                fail(
                    "--resume takes the sweep as it was written; leave out --config, --grid, "
                    "--seeds, --set, --name and --no-figures"
                )
            owner.check_free(resume)  # a sweep still running is refused before anything else
            spec, folder = grid.load_sweep(resume / "sweep.yaml"), resume
        else:
            no_plots = [] if figures else ["output.plots=false"]  # config.yaml says so too
            spec = grid.load_sweep(
                config, grid_items or [], seeds, [*(set_ or []), *no_plots], name
            )
            if not spec.grid and spec.seeds is None:
                fail(
                    "a sweep needs values to sweep: --grid KEY=V1,V2,... (repeatable), --seeds "
                    "S1,S2,..., or a sweep file with a grid (--config); for one run, gdlab train"
                )
            runs.check_name(spec.name)
        cost = grid.check_data(spec, resume if resume is not None else results_dir)
        if resume is None:
            folder = sweep_files.start_sweep_folder(spec, results_dir)
    except (ConfigError, ValueError, runs.RunDirError) as err:  # DataError is a ValueError
        fail(str(err))
    except np.linalg.LinAlgError as err:
        fail(f"the data cannot be analysed ({err})")
    except cluster.ClusterError as err:
        fail(str(err))
    console = Console(highlight=False)
    announce_if_long(cost.seconds, f"{len(spec.points):,} runs")
    resume_hint = f"finish it with: gdlab sweep --resume {shlex.quote(str(folder))}"
    try:
        results, rows = run_sweep_with_progress(
            console,
            spec,
            folder,
            resume is not None,
            show=not (quiet or as_json),
            jobs=jobs,
            seconds=cost.seconds,
            figures=figures,
            launcher=launcher,
            scheduler=scheduler,
        )
    except cluster.ClusterError as err:  # the cluster cannot take the sweep: nothing ran
        fail(f"{err}; {resume_hint}", EXIT_FAILED)
    except runs.RunDirError as err:  # another process owns the sweep, or its lock is odd
        fail(str(err))
    except OSError as err:  # a full disk: sweep.csv keeps what finished
        fail(f"{runner.describe_error(err)}; {resume_hint}", EXIT_FAILED)
    except KeyboardInterrupt:
        console.print(resume_hint, soft_wrap=True, markup=False)  # one line to copy
        interrupted()
    try:
        write_labels(folder, tag, note)
    except OSError as err:
        fail(runner.describe_error(err), EXIT_FAILED)
    if folder.parent.name == "sweeps":  # <results>/sweeps/<id>, as gdlab writes them
        refresh_dashboard(folder.parent.parent)
    out = tables.console()  # the progress above is the terminal's; the table may be piped
    if as_json:
        print_json({"folder": str(folder), "points": rows})
    elif quiet:
        typer.echo(str(folder))
    else:
        out.print(_sweep_table(rows, spec, folder, out))
    say = tables.console(stderr=True) if quiet or as_json else out  # stdout stays parseable
    for problem in sweep_files.disagreements(rows):
        say.print(f"[bold red]prediction and observation disagree:[/] {problem}")
    failed = [r for r in results if r.status == "failed"]
    for result in failed:
        say.print(f"[bold red]failed:[/] {result.point.label}: {result.error}")
    undrawn = [r for r in results if r.run is not None and r.run.summary.get("figures")]
    for result in undrawn:
        missing = result.run.summary["figures"] if result.run else {}
        say.print(f"[bold red]figures not drawn:[/] {result.point.label}: {missing['error']}")
    if len(results) < len(spec.points) or any(r.status == "interrupted" for r in results):
        say.print(resume_hint, soft_wrap=True, markup=False)  # one line to copy
        interrupted()
    sweep_figures = runs.read_json(folder / "summary.json").get("figures")
    if sweep_figures:
        fail(f"the sweep's figures were not drawn: {sweep_figures['error']}", EXIT_FAILED)
    if failed or undrawn:
        raise typer.Exit(EXIT_FAILED)


def run_sweep_with_progress(
    console: Console,
    spec: Any,
    folder: Path,
    resume: bool = False,
    show: bool = True,
    jobs: int | None = None,
    seconds: float = float("inf"),
    figures: bool = True,
    launcher: Launcher = "local",
    scheduler: str | None = None,
) -> tuple[Any, Any]:
    """Run a sweep under one progress bar (points done / all), on a terminal when ``show``,
    on ``jobs`` worker processes (None: one per core if its estimated ``seconds`` are worth
    it), here or on a Dask cluster (``launcher``, ``scheduler``); ``figures`` false draws
    none. Returns its results and rows."""
    from gdlab.plots.files import draw_run_in_shares, draw_sweep
    from gdlab.record import cluster, runs, sweep_files
    from gdlab.record import sweep as sweeps
    from gdlab.record.grid import PointResult

    on_terminal = show and console.is_terminal
    bar = progress_bar(console, "sweep", "{task.fields[point]}") if on_terminal else None
    with bar if bar is not None else nullcontext():
        task = bar.add_task("sweep", total=len(spec.points), point="") if bar else None
        stepping: list[Any] = []  # the task that follows the points stepping together
        redraws = Redraws()

        def done(result: PointResult) -> None:
            if bar is not None and task is not None:
                bar.update(task, advance=1, point=result.point.label, refresh=True)

        def together(epoch: int, of: int) -> None:
            if bar is None:
                return
            if not stepping:
                stepping.append(bar.add_task("epochs", total=of, point="stepping together"))
            bar.update(stepping[0], total=of, completed=epoch, refresh=redraws.due())

        results = sweeps.run_sweep(
            spec,
            folder,
            runs.python_argv(),
            done,
            resume,
            draw_run_in_shares if figures else None,
            draw_sweep if figures else None,
            launcher=cluster.launcher_for(launcher, jobs, scheduler, together, seconds),
        )
    return results, sweep_files.sweep_rows(results, folder)


def _sweep_table(
    rows: list[dict[str, Any]], spec: Any, folder: Path, out: Console
) -> RenderableType:
    swept = [*spec.grid, *(["data.seed"] if spec.seeds is not None else [])]
    columns = [tables.Column(key.rsplit(".", 1)[-1], numeric=True) for key in swept]
    columns += [
        tables.Column("status"),
        tables.Column("w", numeric=True, priority=3),
        tables.Column("b", numeric=True, priority=3),
        tables.Column("‖θ−θ_ls‖", numeric=True, priority=2),
        tables.Column("to tol", numeric=True, priority=1),
        tables.Column("inf at", numeric=True, priority=1),
        tables.Column("nan at", numeric=True, priority=2),
    ]
    caption = (
        f"epochs are predicted/seen: theory's prediction, then the run's\nsweep folder: {folder}"
    )
    if any(r["status"] != "diverged" and r.get("observed_outcome") == "diverges" for r in rows):
        caption += (
            "\n[bold yellow]yellow[/]: ran all its epochs but its error grew; "
            "the rate is above critical for that data"
        )
    cells = []
    for row in rows:
        status = row["status"]
        growing = status != "diverged" and row.get("observed_outcome") == "diverges"
        style = "bold yellow" if growing else STATUS_STYLE.get(status, "yellow")
        line = [_swept_value(key, row.get(key)) for key in swept]
        line.append(f"[{style}]{status}[/]")
        if status == "failed":
            cells.append(line + [""] * 6)
            continue
        w = row.get("w", row.get("w_1"))
        line += [fmt_num(v, digits=4) for v in (w, row["b"], row["distance_to_least_squares"])]
        for key in ("epochs_to_tol", "first_inf_epoch", "first_nan_epoch"):
            line.append(f"{fmt_opt(row[f'predicted_{key}'])}/{fmt_opt(row[f'observed_{key}'])}")
        cells.append(line)
    title = f"sweep {spec.name}: {len(rows)} run{'' if len(rows) == 1 else 's'}"
    return tables.fitted(out, columns, cells, title=title, caption=caption)


def _swept_value(key: str, value: Any) -> str:
    """A swept value as a cell: a data file by its name, not its whole path."""
    if key == "data.path" and isinstance(value, str):
        return Path(value).name
    return str(value)
