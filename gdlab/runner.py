"""One experiment end to end: config -> data -> train -> theory -> run folder and plots.

The CLI (and later the sweep) call :func:`run_experiment`; this module owns
the order of the steps and what each file of a run folder contains.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gdlab import runs
from gdlab.config import Config, dump_config
from gdlab.data import make_linear_data
from gdlab.theory import LeastSquares, least_squares
from gdlab.train import History, ProgressCallback, train

Array = NDArray[np.float64]

PLOT_FILES = ("fit.png", "loss.png", "params.png")


@dataclass(frozen=True)
class RunResult:
    """A finished run: where it was written and what it found."""

    path: Path
    summary: dict[str, Any]
    history: History


def load_data(config: Config) -> tuple[Array, Array]:
    """The data a config describes, drawn from a generator seeded by ``data.seed``."""
    d = config.data
    rng = np.random.default_rng(d.seed)
    return make_linear_data(d.n_samples, d.x_min, d.x_max, d.true_w, d.true_b, d.noise_std, rng)


def run_experiment(
    config: Config,
    results_dir: Path,
    name: str,
    argv: list[str],
    on_progress: ProgressCallback | None = None,
) -> RunResult:
    """Train one config and write its run folder under ``results_dir/runs``.

    Everything that can be refused (the results folder, the data) is checked
    before the run folder is created, so bad input leaves nothing behind.
    """
    runs.ensure_writable(results_dir)
    started = runs.now()
    X, y = load_data(config)
    folder = runs.create_run_dir(results_dir / "runs", name, started)
    runs.write_text(folder / "config.yaml", dump_config(config))
    if config.data.save_csv:
        header = [*runs.feature_names("x", X.shape[1]), "y"]
        runs.write_text(folder / "data.csv", runs.csv_text(header, [*runs.split_columns(X), y]))
    history = train(config, X, y, on_progress)
    ls = least_squares(X, y)
    summary = summarize(config, history, ls)
    runs.write_text(folder / "metrics.csv", metrics_csv(history))
    runs.write_json(folder / "summary.json", summary)
    if config.output.plots:
        write_plots(folder, config, X, y, history, ls)
    ended = runs.now()
    meta = runs.describe_environment(argv, Path.cwd())
    meta.update(
        started=started.isoformat(),
        ended=ended.isoformat(),
        wall_time_seconds=round((ended - started).total_seconds(), 6),
    )
    runs.write_json(folder / "meta.json", meta)
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


def summarize(config: Config, history: History, ls: LeastSquares) -> dict[str, Any]:
    """The run's results as summary.json holds them (deterministic: no clock, no paths)."""
    theta = np.append(history.final_w, history.final_b)
    theta_ls = np.append(ls.w, ls.b)
    with np.errstate(over="ignore", invalid="ignore"):
        distance = float(np.linalg.norm(theta - theta_ls))
    d = config.data
    return {
        "status": history.status,
        "epochs_run": history.epochs_run,
        "lr": config.optimizer.lr,
        "n_samples": d.n_samples,
        "n_features": config.n_features,
        "initial_loss": float(history.loss[0]),
        "final": {"w": history.final_w.tolist(), "b": history.final_b, "loss": history.final_loss},
        "first_inf_epoch": history.first_inf_epoch,
        "first_nan_epoch": history.first_nan_epoch,
        "least_squares": {"w": ls.w.tolist(), "b": ls.b, "loss": ls.loss},
        "distance_to_least_squares": distance,
        "true": {"w": list(d.true_w), "b": d.true_b},
        "noise_variance": d.noise_std**2,
    }


def write_plots(
    folder: Path, config: Config, X: Array, y: Array, history: History, ls: LeastSquares
) -> None:
    """Draw fit.png, loss.png and params.png into the run folder."""
    from gdlab import plots  # Matplotlib is slow to import; only pay for it when drawing.

    lr = config.optimizer.lr
    truth = plots.Truth(w=np.asarray(config.data.true_w), b=config.data.true_b)
    noise_variance = config.data.noise_std**2
    figures = {
        "fit.png": plots.fit_figure(X, y, history, ls, truth, lr),
        "loss.png": plots.loss_figure(history, lr, noise_variance if noise_variance else None),
        "params.png": plots.params_figure(history, ls, truth, lr),
    }
    for file_name, fig in figures.items():
        with runs.atomic_target(folder / file_name) as tmp:
            plots.save_png(fig, tmp)
