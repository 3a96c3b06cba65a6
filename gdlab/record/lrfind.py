"""The learning-rate range test of a config, and its folder beside the theory's answer.

Layout (``gdlab lr-find``)::

    results/lr_find/<UTC timestamp>-<name>/
        config.yaml   the resolved config the test started from
        lr_find.csv   step, lr, loss, smoothed: one row per step taken
        summary.json  the suggested rates, the critical and best rates, where and why it stopped
        lr_find.png   (drawn by a callback from gdlab/plots/)

The folder is written whole or not at all: a failure while writing removes it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gdlab.core import lrfind
from gdlab.core.lrfind import RangeTest, range_test, suggest
from gdlab.core.notation import param_names
from gdlab.core.theory import predict_run
from gdlab.core.train import ProgressCallback
from gdlab.record import runs
from gdlab.record.build import Problem, make_optimizer
from gdlab.record.config import dump_config
from gdlab.record.rules import is_plain_gd
from gdlab.record.schema import Config
from gdlab.record.summary import prediction_block

# Draws lr_find.png into the folder: (folder, test, summary).
DrawLrFind = Callable[[Path, RangeTest, dict[str, Any]], None]

CSV_HEADER = ["step", "lr", "loss", "smoothed"]


@dataclass(frozen=True)
class LrFindResult:
    """A finished range test: where it was written, what it found, and the steps themselves."""

    path: Path
    summary: dict[str, Any]
    test: RangeTest


def find_lr(
    config: Config,
    problem: Problem,
    start: float,
    end: float,
    steps: int,
    on_progress: ProgressCallback | None = None,
) -> RangeTest:
    """The range test of the config's optimizer from its start, on the data a run trains on."""
    t = config.training
    return range_test(
        problem.X_train,
        problem.y,
        make_optimizer(config.optimizer, problem.X_train, config.model.intercept),
        start,
        end,
        steps,
        init_w=np.array(config.initial_w(), dtype=np.float64),
        init_b=t.init_b,
        batch_size=t.batch_size,
        shuffle=np.random.default_rng([config.data.seed, 1]),  # as a run shuffles
        intercept=config.model.intercept,
        on_progress=on_progress,
    )


def summarize(
    config: Config, problem: Problem, test: RangeTest, start: float, end: float
) -> dict[str, Any]:
    """What summary.json holds (and ``gdlab lr-find --json`` prints)."""
    found, a = suggest(test), problem.trained
    return {
        "start": start,
        "end": end,
        "steps": test.steps,
        "steps_taken": len(test.lr),
        "stopped": test.stopped,
        "stopped_why": stopped_why(test),
        "last_lr": float(test.lr[-1]),
        "optimizer": config.optimizer.name,
        "batch_size": config.training.batch_size,
        "initial_loss": test.initial_loss,
        **_lowest(test),
        "suggested_lr": found.steepest,
        "minimum_lr": found.minimum,
        "minimum_over_10_lr": found.minimum_over_10,
        "critical_lr": a.critical_lr,
        "best_lr": a.best_lr,
        "predicted": {
            "suggested": _verdict(config, problem, found.steepest),
            "minimum_over_10": _verdict(config, problem, found.minimum_over_10),
            "best": _verdict(config, problem, a.best_lr),
            "for": "full-batch plain gradient descent, as gdlab analyze predicts it",
            "config_is_plain_gd": is_plain_gd(config, len(problem.y)),
        },
        "smoothing_beta": lrfind.BETA,
        "diverge_factor": lrfind.DIVERGE_FACTOR,
    }


def _lowest(test: RangeTest) -> dict[str, float | None]:
    """The lowest loss seen after a step (not smoothed), and the rate of that step."""
    finite = np.flatnonzero(np.isfinite(test.loss))
    if not finite.size:
        return {"lowest_loss": None, "lowest_loss_lr": None}
    low = int(finite[np.argmin(test.loss[finite])])
    return {"lowest_loss": float(test.loss[low]), "lowest_loss_lr": float(test.lr[low])}


def stopped_why(test: RangeTest) -> str:
    """Where the range test ended, and why, in words."""
    n, last = len(test.lr), float(test.lr[-1])
    if test.stopped == "completed":
        return f"took all {n} steps, up to lr = {last:.4g}"
    if test.stopped == "not finite":
        return f"the loss was no longer finite after step {n} (lr = {last:.4g})"
    best = float(np.min(test.smoothed))
    return (
        f"the smoothed loss passed {lrfind.DIVERGE_FACTOR:g} x its best ({best:.4g}) "
        f"after step {n} (lr = {last:.4g})"
    )


def _verdict(config: Config, problem: Problem, lr: float | None) -> dict[str, Any] | None:
    """What ``gdlab analyze --set optimizer.lr=<lr>`` predicts of full-batch plain descent,
    as summary.json's ``predicted`` block holds a prediction, with its rate and tolerance."""
    if lr is None:
        return None
    a = problem.trained
    theta0 = a.stack(np.array(config.initial_w(), dtype=np.float64), config.training.init_b)
    p = predict_run(a, lr, theta0, config.theory.tol)
    names = param_names(config.n_features, a.intercept)
    return {"lr": lr, **prediction_block(p, names), "tol": config.theory.tol}


def write_lr_find(
    config: Config,
    problem: Problem,
    test: RangeTest,
    summary: dict[str, Any],
    parent: Path,
    name: str,
    draw: DrawLrFind | None = None,
) -> LrFindResult:
    """Write the test's folder, ``parent/<UTC timestamp>-<name>``, each file atomically.

    summary.json comes last, so a folder that has one is whole; any failure (or
    Ctrl-C) on the way removes the folder. A ``parent`` that is not a writable
    folder raises RunDirError before anything is made.
    """
    folder = runs.create_run_dir(parent, name, runs.now())
    try:
        runs.write_text(folder / "config.yaml", dump_config(config))
        step = np.arange(1, len(test.lr) + 1)
        columns = [step, test.lr, test.loss, test.smoothed]
        runs.write_text(folder / "lr_find.csv", runs.csv_text(CSV_HEADER, columns))
        if draw is not None:
            draw(folder, test, summary)
        runs.write_json(folder / "summary.json", summary)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # half a folder would pass for a whole one
        raise
    return LrFindResult(folder, summary, test)
