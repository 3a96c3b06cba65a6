"""One experiment end to end: config -> data -> train -> theory -> run folder and plots.

The CLI (and later the sweep) call :func:`run_experiment`; this module owns
the order of the steps and what each file of a run folder contains.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gdlab.core.data import Scaling, identity_scaling, make_linear_data, read_csv, standardize
from gdlab.core.theory import LeastSquares, analyze
from gdlab.core.train import History, ProgressCallback, train
from gdlab.record import runs
from gdlab.record.config import Config, dump_config
from gdlab.record.parallel import Helpers
from gdlab.record.summary import summarize

Array = NDArray[np.float64]


@dataclass(frozen=True)
class RunResult:
    """A finished run: where it was written and what it found."""

    path: Path
    summary: dict[str, Any]
    history: History


def load_data(config: Config) -> tuple[Array, Array]:
    """The data a config describes: read from its CSV, or drawn with ``data.seed``.

    Raises DataError (file, column, line) for a CSV that cannot be trained on.
    """
    d = config.data
    if d.source == "csv":
        assert d.path is not None and d.y_column is not None  # the config checked both
        return read_csv(Path(d.path), d.x_columns, d.y_column)
    rng = np.random.default_rng(d.seed)
    return make_linear_data(d.n_samples, d.x_min, d.x_max, d.true_w, d.true_b, d.noise_std, rng)


def run_experiment(
    config: Config,
    parent: Path,
    name: str,
    argv: list[str],
    on_progress: ProgressCallback | None = None,
    stamped: bool = True,
    prepared: tuple[Problem, History | None] | None = None,
) -> RunResult:
    """Train one config and write its run folder, ``parent/<UTC timestamp>-<name>``.

    With ``stamped=False`` the folder is ``parent/<name>`` (a sweep's children);
    ``prepared`` hands in data already read (and a history already trained with
    others, gdlab/batch.py), so a sweep reads and trains nothing twice.
    Everything that can be refused (the results folder, the data) is checked
    before the folder is created, so bad input leaves nothing behind. A run
    that fails or is interrupted still says so in its summary.json.
    """
    started = runs.now()
    problem = prepared[0] if prepared else prepare(config, *load_data(config))
    runs.ensure_writable(parent)
    folder = runs.create_run_dir(parent, name, started if stamped else None)
    runs.write_json(
        folder / "summary.json", {"status": "running", "process": runs.process_record()}
    )
    drawing = _start_drawing(folder, config, problem)
    try:
        history = prepared[1] if prepared else None
        return _fill_run_dir(folder, config, problem, argv, started, on_progress, history, drawing)
    except KeyboardInterrupt:
        _record_failure(folder, "interrupted", "interrupted (Ctrl-C)", argv, started)
        raise
    except Exception as err:
        _record_failure(folder, "failed", f"{type(err).__name__}: {err}", argv, started)
        raise
    finally:
        if drawing is not None:
            drawing.cancel()  # nothing left to stop once the figures are drawn


@dataclass(frozen=True)
class Problem:
    """The data twice over: as given (X) and as trained on (X_train = scaling.apply(X))."""

    X: Array
    y: Array
    scaling: Scaling
    X_train: Array


def prepare(config: Config, X: Array, y: Array) -> Problem:
    """Standardize x when the config asks; otherwise train on X as it is."""
    if not config.data.standardize:
        return Problem(X, y, identity_scaling(X.shape[1]), X)
    scaling = standardize(X)
    return Problem(X, y, scaling, scaling.apply(X))


def _fill_run_dir(
    folder: Path,
    config: Config,
    problem: Problem,
    argv: list[str],
    started: datetime,
    on_progress: ProgressCallback | None,
    history: History | None,
    drawing: Helpers | None,
) -> RunResult:
    X, y = problem.X, problem.y
    runs.write_text(folder / "config.yaml", dump_config(config))
    if config.data.save_csv:
        header = [*runs.feature_names("x", X.shape[1]), "y"]
        runs.write_text(folder / "data.csv", runs.csv_text(header, [*runs.split_columns(X), y]))
    if history is None:
        history = train(config, problem.X_train, y, on_progress)
    trained = analyze(problem.X_train, y)
    original = trained if problem.scaling.is_identity else analyze(X, y)
    summary = summarize(config, history, trained, original, problem.scaling)
    runs.write_text(folder / "metrics.csv", metrics_csv(history))
    if history.steps is not None:
        names = runs.feature_names("w", X.shape[1])
        header = ["step", "epoch", "batch_loss", *names, "b"]
        columns = runs.split_columns(history.steps)
        columns[:2] = [c.astype(np.int64) for c in columns[:2]]
        runs.write_text(folder / "steps.csv", runs.csv_text(header, columns))
    runs.write_json(folder / "summary.json", summary)
    if history.status != "interrupted" and drawing is not None:  # Ctrl-C: skip the drawing
        drawing.finish((history, trained.ls, original.ls))
    _write_meta(folder, argv, started)
    return RunResult(path=folder, summary=summary, history=history)


def _record_failure(
    folder: Path, status: str, error: str, argv: list[str], started: datetime
) -> None:
    runs.write_json(folder / "summary.json", {"status": status, "error": error})
    _write_meta(folder, argv, started)


def _write_meta(folder: Path, argv: list[str], started: datetime) -> None:
    ended = runs.now()
    meta = runs.describe_environment(argv, Path.cwd())
    meta.update(
        started=started.isoformat(),
        ended=ended.isoformat(),
        wall_time_seconds=round((ended - started).total_seconds(), 6),
    )
    runs.write_json(folder / "meta.json", meta)


def load_result(folder: Path) -> RunResult:
    """A finished run read back from its folder: summary.json and metrics.csv."""
    summary = runs.read_json(folder / "summary.json")
    table = np.loadtxt(folder / "metrics.csv", delimiter=",", skiprows=1, ndmin=2)
    d = (table.shape[1] - 4) // 2  # epoch, loss, w_1..w_d, b, grad_w_1..grad_w_d, grad_b
    history = History(
        epoch=table[:, 0].astype(np.int64),
        loss=table[:, 1],
        w=table[:, 2 : 2 + d],
        b=table[:, 2 + d],
        grad_w=table[:, 3 + d : 3 + 2 * d],
        grad_b=table[:, 3 + 2 * d],
        status=summary["status"],
        epochs_run=summary["epochs_run"],
        first_inf_epoch=summary["first_inf_epoch"],
        first_nan_epoch=summary["first_nan_epoch"],
    )
    return RunResult(path=folder, summary=summary, history=history)


def metrics_csv(history: History) -> str:
    """One row per logged epoch: epoch, loss, each w, b, and each gradient component."""
    n_features = history.w.shape[1]
    header = [
        "epoch",
        "loss",
        *runs.feature_names("w", n_features),
        "b",
        *runs.feature_names("grad_w", n_features),
        "grad_b",
    ]
    columns = [
        history.epoch,
        history.loss,
        *runs.split_columns(history.w),
        history.b,
        *runs.split_columns(history.grad_w),
        history.grad_b,
    ]
    return runs.csv_text(header, columns)


# Processes that draw a run's figures side by side (the machines gdlab is built on have two cores).
DRAWING_SHARES = 2


def import_plots() -> None:
    """Import the figure code and Matplotlib: about half a second, so only when drawing."""
    import gdlab.plots.surface  # noqa: F401


def draws(config: Config) -> bool:
    """Whether a run of this config draws any figure."""
    return config.output.plots or config.output.animate


def _start_drawing(folder: Path, config: Config, problem: Problem) -> Helpers | None:
    """Helpers that import Matplotlib now, while training runs, and draw the figures after.

    (Once Matplotlib is imported here, as a sweep does up front, they start with it.)
    """
    if not draws(config):
        return None

    def job(share: int, shares: int, found: tuple[History, LeastSquares, LeastSquares]) -> None:
        write_plots(folder, config, problem, *found, share=(share, shares))

    return Helpers(DRAWING_SHARES, warm=import_plots, job=job)


def write_plots(
    folder: Path,
    config: Config,
    problem: Problem,
    history: History,
    ls_trained: LeastSquares,
    ls_original: LeastSquares,
    share: tuple[int, int] = (0, 1),
) -> None:
    """Draw the run's figures; the two 'inside' views (contour, evolution) need one feature.

    ``share = (k, n)`` draws only every n-th figure from the k-th, so n processes
    can share the work.
    """
    from gdlab import plots  # Matplotlib is slow to import; only pay for it when drawing.
    from gdlab.plots import surface

    lr, scaling, X, y = config.optimizer.lr, problem.scaling, problem.X, problem.y
    truth, truth_trained = None, None
    if config.data.source == "synthetic":
        truth = plots.Truth(w=np.asarray(config.data.true_w), b=config.data.true_b)
        truth_trained = plots.Truth(*scaling.to_scaled(truth.w, truth.b))
    units = "" if scaling.is_identity else " (standardized x)"
    fitted = scaling.to_original(history.final_w, history.final_b)
    noise_variance = (config.data.noise_std**2 or None) if truth is not None else None
    # File name -> what writes it to a path; drawn one at a time, saved, and let go.
    outputs: dict[str, Callable[[Path], None]] = {}
    if config.output.animate and X.shape[1] == 1:  # the slowest first: its share is lighter
        outputs["evolution.gif"] = lambda to: surface.write_evolution_gif(
            X, y, history, scaling, to
        )
    if config.output.plots:
        title = f"Fit after {history.epochs_run:,} epochs at lr = {lr:g}"
        figures: dict[str, Callable[[], Any]] = {
            "fit.png": lambda: plots.fit_figure(X, y, fitted, ls_original, truth, title),
            "loss.png": lambda: plots.loss_figure(history, lr, noise_variance),
            "params.png": lambda: plots.params_figure(
                history, ls_trained, truth_trained, lr, units
            ),
        }
        if X.shape[1] == 1:
            figures["contour.png"] = lambda: surface.contour_figure(
                problem.X_train, y, history, ls_trained, truth_trained, lr, units
            )
            figures["evolution.png"] = lambda: surface.evolution_figure(X, y, history, scaling, lr)
        outputs.update({name: partial(_save_png, draw) for name, draw in figures.items()})
    first, step = share
    for name in list(outputs)[first::step]:
        with runs.atomic_target(folder / name) as tmp:
            outputs[name](tmp)


def _save_png(draw: Callable[[], Any], to: Path) -> None:
    from gdlab.plots import save_png

    save_png(draw(), to)
