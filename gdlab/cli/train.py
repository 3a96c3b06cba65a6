"""`gdlab train`: one run, its progress bar and its summary table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from gdlab.cli.app import (
    EXIT_FAILED,
    STATUS_STYLE,
    ConfigOption,
    NoteOption,
    ResultsOption,
    SetOption,
    TagOption,
    announce_if_long,
    app,
    check_labels,
    fail,
    fmt_num,
    interrupted,
    interruptible,
    write_labels,
)
from gdlab.cli.progress import TrainingProgress
from gdlab.cli.runs import refresh_dashboard


@app.command(
    epilog=(
        "Examples:\n\n"
        "  gdlab train\n\n"
        "  gdlab train --set optimizer.lr=0.001 --set training.epochs=20000\n\n"
        "  gdlab train --config configs/default.yaml --name baseline --show\n\n"
        "  gdlab train --animate                  # also evolution.gif\n\n"
        "  gdlab train --tag baseline --note 'before the new data'\n\n"
        "Each run writes results/runs/<UTC timestamp>-<name>/ with config.yaml, data.csv, "
        "metrics.csv, summary.json, meta.json, fit.png, loss.png, params.png and, for one "
        "feature, contour.png and evolution.png."
    )
)
@interruptible
def train(
    config: ConfigOption = None,
    set_: SetOption = None,
    name: Annotated[
        str | None,
        typer.Option("--name", "-n", metavar="NAME", help="Run name (default: the config's stem)."),
    ] = None,
    results_dir: ResultsOption = Path("results"),
    show: Annotated[
        bool, typer.Option("--show", help="Open the fit plot in a window, if there is a display.")
    ] = False,
    animate: Annotated[
        bool, typer.Option("--animate", help="Also write evolution.gif (same as output.animate).")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the run folder's path.")
    ] = False,
    tag: TagOption = None,
    note: NoteOption = None,
) -> None:
    """Train one model by gradient descent and write its run folder.

    With no options this is the seed experiment: 100 points from y = 3x + 2 plus
    Gaussian noise (sd 1, data seed 42), starting at w = 0, b = 0, learning rate 0.005,
    10,000 epochs of full-batch gradient descent.
    """
    from gdlab.core.data import DataError
    from gdlab.pages.explore import write_explore
    from gdlab.plots.files import Drawing, draws
    from gdlab.record import runner, runs
    from gdlab.record.budget import check_run
    from gdlab.record.build import load_data, prepare
    from gdlab.record.config import ConfigError, load_config

    try:
        cfg = load_config(config, [*(set_ or []), *(["output.animate=true"] if animate else [])])
        run_name = runs.check_name(name or (config.stem if config else "default"))
    except (ConfigError, ValueError) as err:
        fail(str(err))
    check_labels(tag)
    try:
        problem = prepare(cfg, *load_data(cfg))
        cost = check_run(cfg, len(problem.y), results_dir, str(config or "the config"))
    except (ConfigError, DataError) as err:
        fail(str(err))
    announce_if_long(cost.seconds, "this run")
    console = Console(highlight=False)
    drawing = (
        Drawing(write_explore) if draws(cfg) else None
    )  # forked now: Matplotlib loads while training runs
    try:
        progress = TrainingProgress(console, cfg.training.epochs, enabled=not quiet)
        with progress as on_progress:
            result = runner.run_experiment(
                cfg,
                results_dir / "runs",
                run_name,
                runs.python_argv(),
                on_progress,
                ready=runner.Ready(problem),
                draw=drawing or write_explore,
                on_stage=progress.stage,
            )
    except (runs.RunDirError, DataError, ConfigError) as err:
        fail(str(err))
    except OSError as err:  # a full disk, a failed write: the run says failed, with this reason
        fail(runner.describe_error(err), EXIT_FAILED)
    except KeyboardInterrupt:  # outside the training loop: the folder says so already
        interrupted()
    finally:
        if drawing is not None:
            drawing.cancel()
    try:
        write_labels(result.path, tag, note)
    except OSError as err:
        fail(runner.describe_error(err), EXIT_FAILED)
    refresh_dashboard(results_dir)
    if quiet:
        typer.echo(str(result.path))
    else:
        console.print(_summary_table(result.summary, result.path))
        theory = result.summary["theory"]
        if theory.get("warning"):
            console.print(f"[yellow]warning:[/] {theory['warning']}")
        if (theory.get("predicted") or {}).get("frozen"):
            console.print(f"[yellow]note:[/] {theory['predicted']['frozen']}")
    if show:
        _show_fit(console, result.path)
    if result.summary["status"] == "interrupted":
        interrupted()
    figures = result.summary.get("figures")
    if figures:
        missing = ", ".join(figures["missing"] or []) or "some figures"
        fail(f"{missing} not drawn: {figures['error']} (the results are whole)", EXIT_FAILED)


def _summary_table(summary: dict[str, Any], path: Path) -> Table:
    from gdlab.core.notation import feature_names  # here, so `gdlab --help` loads no NumPy

    status = summary["status"]
    title = (
        f"[{STATUS_STYLE.get(status, 'yellow')}]{status}[/] after "
        f"{summary['epochs_run']:,} epochs at lr = {summary['lr']:g}"
    )
    caption = f"path: {summary['path']} — {summary['path_reason']}\nrun folder: {path}"
    if (path / "explore.html").exists():
        caption += f"\ndrag its learning rate: gdlab open {path.name}"
    caption = f"{_why_it_stopped(summary)}\n{caption}"
    if "standardized" in summary:
        condition = summary["standardized"]["condition_number_original"]
        caption = (
            f"trained on standardized x (condition number {condition:.4g} → "
            f"{summary['theory']['condition_number']:.3g}); w and b in x's own units\n{caption}"
        )
    table = Table(title=title, caption=caption, title_justify="left", caption_justify="left")
    final, ls, true = summary["final"], summary["least_squares"], summary["true"]
    table.add_column("")
    for column in ("learned", "least squares", *(("true",) if true else ())):
        table.add_column(column, justify="right")
    names = feature_names("w", len(final["w"]))
    for i, name in enumerate(names):
        truth = (fmt_num(true["w"][i]),) if true else ()
        table.add_row(name, fmt_num(final["w"][i]), fmt_num(ls["w"][i]), *truth)
    table.add_row(
        "b", fmt_num(final["b"]), fmt_num(ls["b"]), *((fmt_num(true["b"]),) if true else ())
    )
    table.add_row("loss (MSE)", fmt_num(final["loss"]), fmt_num(ls["loss"]))
    table.add_section()
    table.add_row("loss at epoch 0", fmt_num(summary["initial_loss"]))
    if summary["noise_variance"] is not None:
        table.add_row("noise variance", "", "", fmt_num(summary["noise_variance"]))
    table.add_row("distance to least squares", fmt_num(summary["distance_to_least_squares"]))
    for key in ("first_inf_epoch", "first_nan_epoch"):
        if summary[key] is not None:
            table.add_row(f"[red]{key.replace('_', ' ')}[/]", f"[red]{summary[key]}[/]")
    return table


def _why_it_stopped(summary: dict[str, Any]) -> str:
    """When and why the run ended, and when it came within theory.tol of the optimum."""
    status, epochs = summary["status"], summary["epochs_run"]
    theory = summary["theory"]
    why = {
        "converged": f"stopped at epoch {epochs:,}: the gradient's norm reached training.tol",
        "diverged": f"stopped at epoch {epochs:,}: the loss is no longer finite",
        "interrupted": f"stopped at epoch {epochs:,}: interrupted",
    }.get(status, f"ran all {epochs:,} epochs")
    reached = theory["observed"]["epochs_to_tol"]
    predicted = (theory.get("predicted") or {}).get("epochs_to_tol")
    said = f" (predicted {predicted:,})" if predicted is not None else ""
    if reached is not None:
        why += (
            f"; within theory.tol = {theory['tol']:g} of the optimum from epoch {reached:,}{said}"
        )
    elif predicted is not None and status != "diverged":
        why += f"; theory.tol = {theory['tol']:g} is predicted at epoch {predicted:,}"
    return why


def _show_fit(console: Console, folder: Path) -> None:
    from gdlab.plots.common import can_show, show_png

    fit = folder / "fit.png"
    if not fit.exists():
        console.print("--show: this run drew no plots (output.plots is false).")
    elif not can_show():
        console.print(f"--show: no display found, so no window; the fit plot is at {fit}")
    else:
        show_png(fit)
