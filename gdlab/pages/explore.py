"""A run's interactive page, explore.html: drag the learning rate and watch what would happen.

The page draws, for any rate on its slider, the path gradient descent takes on
the run's bowl, its loss curve and the error along each eigenvector, and says
what happens in words. The words and numbers are gdlab's own theory, computed
here in Python for every slider position (:func:`slider_rates`): at the run's
own rate they are the ``predicted`` block of its summary.json, and at any other
position what ``gdlab analyze --set optimizer.lr=<that rate>`` prints. The page
computes only the curves, from the closed form of gradient descent on a
quadratic: the error along eigenvector i after k epochs is c_i (1 - lr
lambda_i)^k.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gdlab.core.model import loss, predict
from gdlab.core.notation import param_names
from gdlab.core.theory import Analysis, predict_run
from gdlab.core.train import History
from gdlab.pages import html, plane
from gdlab.record import runs
from gdlab.record.build import Problem
from gdlab.record.rules import is_plain_gd
from gdlab.record.runner import FiguresMissing, describe_error
from gdlab.record.schema import Config
from gdlab.record.summary import prediction_block

Array = NDArray[np.float64]

PAGE = "explore.html"

# Slider positions per decade: round numbers a person would type (0.001, 0.0025, 0.005),
# each within a factor 1.34 of the next, so the page shows exactly the rate its numbers
# are for (and `gdlab analyze --set optimizer.lr=...` can be asked about it).
MANTISSAS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)

# The momentum slider's positions (runs with momentum), the run's own added.
BETAS = (0.0, 0.5, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995)

# Recorded epochs the page keeps of a run: enough to draw, small enough to open fast.
KEPT_ROWS = 1500


def slider_rates(analysis: Analysis, lr: float) -> list[float]:
    """The slider's rates: round numbers from well below the best rate to well above the
    critical one, with the run's own rate and the best rate (exactly) among them."""
    low = min(lr, analysis.best_lr) / 300.0
    high = max(lr, analysis.critical_lr) * 10.0
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    grid = {float(f"{m}e{d}") for d in decades for m in MANTISSAS}
    # The best rate exactly: rounded to 3 digits it can land past the optimum (0.0312 on the
    # seed's data takes 707 epochs, 0.03115 takes 559).
    return sorted({r for r in grid if low <= r <= high} | {lr, analysis.best_lr})


EACH_PARAMETER_MOST = 10  # the slider's words name each parameter's epoch up to this many


def _position(lr: float, block: dict[str, Any], each: bool) -> dict[str, Any]:
    """One slider position: its rate and prediction; past EACH_PARAMETER_MOST parameters
    without the epoch of each (not computed: an empty table, not "never")."""
    return {"lr": lr, **block, **({} if each else {"epochs_to_tol_per_param": {}})}


def explore_data(
    config: Config, problem: Problem, history: History, summary: dict[str, Any]
) -> dict[str, Any]:
    """Everything explore.html shows, as plain values (the page's JSON)."""
    a, lr, tol = problem.trained, config.optimizer.lr, config.theory.tol
    names = param_names(config.n_features, a.intercept)
    theta0 = a.stack(np.array(config.initial_w(), dtype=np.float64), config.training.init_b)
    rates = slider_rates(a, lr)
    each = len(names) <= EACH_PARAMETER_MOST
    predictions = [
        _position(
            r, prediction_block(predict_run(a, r, theta0, tol, each_parameter=each), names), each
        )
        for r in rates
    ]
    own = rates.index(lr)
    theory = summary.get("theory") or {}
    schedule = config.optimizer.schedule
    # The slider holds each rate for every epoch: a run with a schedule is not one of its
    # positions (its own prediction is in summary.json and the comparison table).
    plain = is_plain_gd(config, len(problem.y)) and schedule is None
    if plain and theory.get("predicted"):  # the run's own block, word for word
        predictions[own] = {"lr": lr, **theory["predicted"]}  # each parameter's included
    w_ls, b_ls = (a.theta_ls[:-1], float(a.theta_ls[-1])) if a.intercept else (a.theta_ls, 0.0)
    return {
        "run": {
            "status": summary.get("status"),
            "optimizer": config.optimizer.name,
            "momentum": config.optimizer.momentum or 0.0,
            "lr": lr,
            "epochs": config.training.epochs,
            "epochs_run": history.epochs_run,
            "predicted_for_this_run": plain,
            "schedule": None if schedule is None else schedule.name,
            "own_block": theory.get("predicted") if schedule is not None else None,
            "standardized": config.data.standardize,
        },
        "names": names,
        "tol": tol,
        "theta0": theta0.tolist(),
        "theta_ls": a.theta_ls.tolist(),
        "loss_min": loss(predict(problem.X_train, w_ls, b_ls), problem.y),
        "eigenvalues": a.eigenvalues.tolist(),
        "eigenvectors": a.eigenvectors.T.tolist(),  # row i belongs to eigenvalues[i]
        "critical_lr": a.critical_lr,
        "best_lr": a.best_lr,
        "slider": {"own": own, "predictions": predictions},
        "plane": plane.plane_of(a, theta0),
        "observed": _observed(history, a, theory.get("observed")),
        "momentum": _momentum_slider(config, theory.get("predicted")),
    }


def _momentum_slider(config: Config, predicted: dict[str, Any] | None) -> dict[str, Any] | None:
    """The momentum slider of a run with momentum (and no weight decay, which moves the
    optimum the page draws): its positions, the run's own rule, and its summary.json
    prediction (gdlab/core/momentum.py), which the page shows at the run's own lr and beta."""
    o = config.optimizer
    if o.name not in ("gd", "momentum") or not o.momentum or o.weight_decay:
        return None
    betas = sorted({*BETAS, o.momentum})
    return {
        "betas": betas,
        "own": betas.index(o.momentum),
        "nesterov": o.nesterov,
        "dampening": o.dampening,
        "predicted": {"lr": o.lr, "beta": o.momentum, **predicted} if predicted else None,
    }


def _observed(history: History, a: Analysis, block: dict[str, Any] | None) -> dict[str, Any]:
    """The run as recorded: a sample of its epochs, its parameters and loss, and its block."""
    rows = _kept_rows(len(history.epoch))
    thetas = np.column_stack([history.w, history.b] if a.intercept else [history.w])[rows]
    return {
        "status": history.status,
        "epoch": history.epoch[rows].tolist(),
        "loss": _short(history.loss[rows]),
        # in full: the error along a fast eigenvector falls to 1e-16 and should be seen to
        "theta": [column.tolist() for column in thetas.T],
        "block": block,
    }


def _kept_rows(n: int) -> NDArray[np.int64]:
    """Which recorded rows to keep: the first ones densely (the path turns there), then
    log-spaced and evenly spaced ones, and always the last."""
    if n <= KEPT_ROWS:
        return np.arange(n)
    early = np.arange(200)
    spread = np.geomspace(200, n - 1, 300).astype(np.int64)
    even = np.linspace(0, n - 1, KEPT_ROWS - 500).astype(np.int64)
    return np.unique(np.concatenate([early, spread, even, [n - 1]]))


def _short(values: Array) -> list[float]:
    """Six significant digits: plenty to draw with, a third of the bytes."""
    return [float(f"{v:.6g}") for v in values.tolist()]


def write_explore(folder: Path, config: Config, problem: Problem, history: History) -> None:
    """Write ``folder/explore.html`` for the finished run in ``folder`` (a ``draw`` callback).

    Raises FiguresMissing, naming the page and why, if it cannot be written.
    """
    try:
        summary = runs.read_json(folder / "summary.json")
        data = explore_data(config, problem, history, summary)
        runs.write_text(folder / PAGE, render(data))
    except Exception as err:
        raise FiguresMissing([PAGE], describe_error(err)) from err


def render(data: dict[str, Any]) -> str:
    """The page: its text and controls, with the data and scripts inlined."""
    return html.page(
        "gdlab: explore a run",
        html.asset("assets/explore.html"),
        data,
        scripts=[html.UPLOT[1], "assets/common.js", "assets/momentum.js", "assets/explore.js"],
        styles=[html.UPLOT[0], "assets/common.css"],
    )


def write_explore_for(folder: Path) -> Path:
    """Write (or write again) the page of a finished run folder, from its own files.

    For a sweep's point, or a run written before pages existed. Raises ValueError,
    with one line saying why, for a folder that holds no finished run.
    """
    from gdlab.core.data import DataError
    from gdlab.record.build import load_data, prepare
    from gdlab.record.config import ConfigError, load_config
    from gdlab.record.readback import load_result

    try:
        config = load_config(folder / "config.yaml")
        result = load_result(folder)
        problem = prepare(config, *load_data(config))
    except (ConfigError, DataError, OSError, KeyError, ValueError) as err:
        said = str(err) if str(err).startswith(str(folder)) else describe_error(err)
        raise ValueError(said if said.startswith(str(folder)) else f"{folder}: {said}") from err
    if result.history.epochs_run == 0 and not len(result.history.epoch):
        raise ValueError(f"{folder}: the run has no epochs to show")
    write_explore(folder, config, problem, result.history)
    return folder / PAGE
