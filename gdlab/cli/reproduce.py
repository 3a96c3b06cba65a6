"""`gdlab reproduce`: the seed's study end to end, each of its claims judged, and the report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from gdlab.cli.app import EXIT_FAILED, app, fail, interrupted, interruptible
from gdlab.cli.progress import TrainingProgress
from gdlab.cli.runs import refresh_dashboard
from gdlab.cli.sweep import run_sweep_with_progress


@app.command(
    epilog=(
        "Examples:\n\n"
        "  gdlab reproduce                 # what `make reproduce` runs\n\n"
        "  gdlab reproduce --results-dir /tmp/check\n\n"
        "Writes <results-dir>/REPORT.md and a self-contained REPORT.html (figures inlined), "
        "beside the run and sweep folders they describe."
    )
)
@interruptible
def reproduce(
    study: Annotated[
        Path,
        typer.Option(
            "--study", metavar="FILE", help="The learning-rate study to run (a sweep YAML)."
        ),
    ] = Path("configs/lr_study.yaml"),
    results_dir: Annotated[
        Path,
        typer.Option(
            "--results-dir", "-r", metavar="DIR", help="Where the runs and the report go."
        ),
    ] = Path("results/reproduce"),
) -> None:
    """Re-create the seed's study end to end and check each of its claims.

    Runs the default experiment, plain descent at its best rate against heavy ball at
    its optimal pair, the learning-rate study and a small sweep of heavy ball's (lr, β)
    (drawn as a map), then writes a report with one row
    per claim (the seed's, and gdlab's on momentum): its figure, ours, and whether it
    holds. Exits 1 if any claim does not hold.
    """
    from gdlab.pages.explore import write_explore
    from gdlab.plots.files import Drawing
    from gdlab.record import grid, runner, runs, sweep_files
    from gdlab.record.config import ConfigError, load_config
    from gdlab.report import document as report
    from gdlab.report.claims import STUDY_RATES, missing_rates
    from gdlab.report.momentum import MAP_NAME, MomentumRuns, map_sweep

    try:
        spec = grid.load_sweep(study)
        rates = {point.config.optimizer.lr for point in spec.points}
        missing = missing_rates(rates)
        if missing:
            wanted = ", ".join(f"{lr:g}" for lr in STUDY_RATES)
            fail(
                f"{study}: the seed's claims need its rates {wanted} (optimizer.lr); this study "
                f"runs {', '.join(f'{lr:g}' for lr in sorted(rates))}, so it lacks "
                f"{', '.join(f'{lr:g}' for lr in missing)}"
            )
        folder = sweep_files.start_sweep_folder(spec, results_dir)
        map_grid, map_overrides = map_sweep()
        map_spec = grid.load_sweep(None, map_grid, overrides=map_overrides, name=MAP_NAME)
        map_folder = sweep_files.start_sweep_folder(map_spec, results_dir)
    except (ConfigError, runs.RunDirError) as err:
        fail(str(err))
    console = Console(highlight=False)
    console.print("1/4  the default experiment (lr 0.005, 10,000 epochs)")
    seed_config = load_config()  # the built-in defaults are the seed experiment
    drawing = Drawing(write_explore)  # the seed run's page, written while its figures draw
    try:
        with TrainingProgress(console, seed_config.training.epochs, enabled=True) as on_progress:
            run = runner.run_experiment(
                seed_config,
                results_dir / "runs",
                "seed",
                runs.python_argv(),
                on_progress,
                draw=drawing,
            )
        if run.summary["status"] == "interrupted":
            interrupted()
        console.print("2/4  plain descent's best rate and heavy ball's optimal pair")
        plain, heavy = _momentum_runs(console, run.summary["theory"], results_dir / "runs")
        console.print(f"3/4  the learning-rate study: {len(spec.points)} runs")
        rows = _whole_sweep(console, spec, folder, "the study")
        console.print(f"4/4  heavy ball's (lr, β) map: {len(map_spec.points)} runs")
        map_rows = _whole_sweep(console, map_spec, map_folder, "the (lr, β) sweep")
        momentum = MomentumRuns(
            plain.path, plain.summary, heavy.path, heavy.summary, map_folder, map_rows
        )
        verdicts, paths = report.write_reproduction(
            run.path, run.summary, folder, rows, momentum, results_dir
        )
    except OSError as err:
        fail(runner.describe_error(err), EXIT_FAILED)
    except KeyboardInterrupt:
        interrupted()
    finally:
        drawing.cancel()
    refresh_dashboard(results_dir)
    console.print(_claims_table(verdicts))
    console.print("report: " + " and ".join(str(p) for p in paths))
    if not all(c.holds for c in verdicts):
        raise typer.Exit(1)


def _momentum_runs(console: Console, theory: Any, parent: Path) -> tuple[Any, Any]:
    """Train the best plain rate and heavy ball's optimal pair the seed run's theory names."""
    from gdlab.pages.explore import write_explore
    from gdlab.plots.files import Drawing, draws
    from gdlab.record import runner, runs
    from gdlab.record.config import load_config
    from gdlab.report.momentum import run_overrides

    done = {}
    for name, overrides in run_overrides(theory).items():
        config = load_config(overrides=overrides)
        drawing = Drawing(write_explore) if draws(config) else None
        try:
            with TrainingProgress(console, config.training.epochs, enabled=True) as on_progress:
                run = runner.run_experiment(
                    config, parent, name, runs.python_argv(), on_progress, draw=drawing
                )
        finally:
            if drawing is not None:
                drawing.cancel()
        if run.summary["status"] == "interrupted":
            interrupted()
        done[name] = run
    plain, heavy = done.values()
    return plain, heavy


def _claims_table(verdicts: Any) -> Table:
    table = Table(title="The claims", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("#", justify="right")
    table.add_column("claim", ratio=2)
    table.add_column("gdlab", ratio=3)
    table.add_column("", no_wrap=True)
    for i, claim in enumerate(verdicts, start=1):
        mark = "[bold green]✓ holds[/]" if claim.holds else "[bold red]✗ fails[/]"
        table.add_row(str(i), claim.claim, claim.ours, mark)
    return table


def _whole_sweep(console: Console, spec: Any, folder: Path, what: str) -> Any:
    """Run a sweep of the study to the end; its table, or stop as interrupted or failed."""
    results, rows = run_sweep_with_progress(console, spec, folder)
    if len(results) < len(spec.points):
        interrupted()
    if any(r.status == "failed" for r in results):
        fail(f"{what} had failed runs; see {folder / 'sweep.csv'}", EXIT_FAILED)
    return rows
