"""From a validated config to the core's objects and calls: the data, the optimizer, the path.

The core (gdlab/core/) knows nothing of configs; this is the one place that
reads a :class:`Config` and hands the core plain arrays, numbers and objects.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from gdlab.core.data import (
    DataError,
    Scaling,
    identity_scaling,
    make_linear_data,
    polynomial_features,
    standardize,
)
from gdlab.core.fastpath import FOUR_FUNCTIONS, PathChoice, choose_path
from gdlab.core.lstsq import LeastSquares, RankDeficient, first_dependent_column, qr_of_data
from gdlab.core.model import loss, predict
from gdlab.core.notation import Array, feature_names
from gdlab.core.optimizers import SGD, Adagrad, Adam, Newton, Optimizer, RMSprop
from gdlab.core.precondition import hessian_root, jacobi
from gdlab.core.schedules import rates
from gdlab.core.sums import SufficientStats
from gdlab.core.theory import Analysis, analyze, with_optimum
from gdlab.core.train import History, ProgressCallback, train
from gdlab.record.budget import check_data_size
from gdlab.record.csvdata import read_csv
from gdlab.record.rules import is_full_batch
from gdlab.record.schema import Config, OptimizerConfig


def load_data(config: Config) -> tuple[Array, Array]:
    """The data a config describes: read from its CSV, or drawn with ``data.seed``.

    With ``model.degree`` > 1, X is the powers x, x^2, ... of the one x column.
    Raises DataError (file, column, line) for a CSV that cannot be trained on.
    """
    d, degree = config.data, config.model.degree
    if d.source == "csv":
        assert d.path is not None and d.y_column is not None  # the config checked both
        X, y = read_csv(Path(d.path), d.x_columns, d.y_column)
        X = polynomial_features(X, degree)
    else:
        check_data_size(config, "config")
        rng = np.random.default_rng(d.seed)
        X, y = make_linear_data(
            d.n_samples, d.x_min, d.x_max, d.true_w, d.true_b, d.noise_std, rng, degree
        )
    if degree > 1:
        _check_powers(config, X, len(y))
    return X, y


def _check_powers(config: Config, X: Array, n_samples: int) -> None:
    """Refuse powers of x that overflow float64, or more of them than the rows can fit."""
    degree, where = config.model.degree, _where(config)
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(X).all(axis=0)
    if not finite.all():
        k = int(np.argmin(finite)) + 1
        raise DataError(
            f"{where}: x^{k} overflows float64 (|x| up to {_largest(X[:, 0]):.3g}) with "
            f"model.degree = {degree}: rescale x or lower the degree"
        )
    if n_samples < config.n_params:
        raise DataError(
            f"{where}: {n_samples} rows cannot determine {config.n_params} parameters "
            f"(model.degree = {degree}): lower the degree to at most "
            f"{n_samples - (1 if config.model.intercept else 0)}"
        )


def column_names(config: Config) -> list[str]:
    """The names of X's columns: the CSV's (with powers, ``x^2`` ...), else x_1, x_2 ..."""
    d, degree = config.data, config.model.degree
    base = (
        list(d.x_columns)
        if d.source == "csv"
        else feature_names("x", 1 if degree > 1 else config.n_features)
    )
    if degree == 1:
        return base
    return [base[0], *(f"{base[0]}^{k}" for k in range(2, degree + 1))]


@dataclass(frozen=True)
class Problem:
    """The data twice over, as given (X) and as trained on (X_train = scaling.apply(X)),
    with the analysis of each: the bowl training walks down, known before a step is taken."""

    X: Array
    y: Array
    scaling: Scaling
    X_train: Array
    trained: Analysis  # of (X_train, y)
    original: Analysis  # of (X, y); the same object when nothing is scaled


def prepare(config: Config, X: Array, y: Array) -> Problem:
    """Standardize x when the config asks, and analyse the data as trained on and as given.

    Raises DataError for data that cannot determine w and b (a column that is a
    combination of others) or whose numbers overflow float64 once squared.
    """
    intercept, degree = config.model.intercept, config.model.degree
    if not config.data.standardize:
        analysis = _checked_analysis(config, X, y, degree)
        return Problem(X, y, identity_scaling(X.shape[1]), X, analysis, analysis)
    _check_scale(config, X, y)  # the numbers as given, before scaling squares them
    try:
        scaling = standardize(X, intercept)
    except DataError as err:  # say which data
        raise DataError(f"{_where(config)}: {err}") from None
    X_train = scaling.apply(X)
    trained = _checked_analysis(config, X_train, y)  # its columns are no longer powers
    try:
        original = analyze(X, y, intercept=intercept, degree=degree)
    except RankDeficient:  # x too far from zero for float64 to tell w from b unscaled
        original = with_optimum(X, _in_original_units(trained.ls, scaling), intercept)
    return Problem(X, y, scaling, X_train, trained, original)


def _in_original_units(ls: LeastSquares, scaling: Scaling) -> LeastSquares:
    """The optimum found on scaled x, in x's own units. The weights' standard errors
    scale with them; b's would need their covariances, and is left unknown (nan)."""
    w, b = scaling.to_original(ls.w, ls.b)
    d = len(w)
    errors = np.append(ls.standard_errors[:d] / scaling.std, np.nan)[: len(ls.standard_errors)]
    return replace(ls, w=w, b=b, standard_errors=errors)


def _checked_analysis(config: Config, X: Array, y: Array, degree: int = 1) -> Analysis:
    """The analysis of (X, y), once the data is known to fit float64 and to determine w and b
    (DataError, naming why, if not). One QR of the data serves the check and the analysis."""
    _check_scale(config, X, y)
    intercept = config.model.intercept
    R = qr_of_data(X, y, intercept=intercept)
    _check_determined(config, X, R)
    return analyze(X, y, R, intercept, degree)


def _check_scale(config: Config, X: Array, y: Array) -> None:
    """Refuse numbers that overflow once squared and summed, or a start that already does."""
    where = _where(config)
    x_max, y_max = _largest(X), _largest(y)  # nan or inf pass through
    if 0 < x_max < 1e-150:  # every x squared is below float64's smallest: all rounds to 0
        raise DataError(
            f"{where}: x is too close to 0 for float64 once squared (|x| up to {x_max:.3g}): "
            "rescale it"
        )
    with np.errstate(over="ignore", invalid="ignore"):
        if not np.isfinite((x_max * x_max + y_max * y_max) * len(y)):  # a sum of squares' most
            raise DataError(
                f"{where}: the numbers are too large for float64 once squared and summed "
                f"(|x| up to {x_max:.3g}, |y| up to {y_max:.3g}): rescale them"
            )
        # |x w0 + b0 - y| is at most this; only if its square might overflow, look closer.
        w0, b0 = np.array(config.initial_w(), dtype=np.float64), config.training.init_b
        worst = x_max * np.abs(w0).sum() + abs(b0) + y_max
        if np.isfinite(worst * worst * len(y)):
            return
        start = loss(predict(X, w0, b0), y)
    if not np.isfinite(start):
        raise DataError(
            f"{where}: the loss at the start (training.init_w, training.init_b) is already "
            f"{start} in float64: start nearer the data"
        )


def _check_determined(config: Config, X: Array, R: Array) -> None:
    """Refuse data whose columns do not determine every parameter, naming the columns."""
    dependent = first_dependent_column(R, X.shape[0])
    if dependent is None:
        return
    d, where = config.data, _where(config)
    names = column_names(config)
    if dependent < len(names):
        before = [repr(n) for n in names[:dependent]]
        if not config.model.intercept:
            combination = ", ".join(before) if before else "nothing (it is all zeros)"
        else:
            combination = f"{', '.join(before)} and the intercept" if before else "the intercept"
        raise DataError(
            f"{where}: column {names[dependent]!r} is a linear combination of {combination}, "
            "so their weights cannot be told apart: drop one"
        )
    quoted = ", ".join(repr(n) for n in names)
    what = (
        f"column {quoted} barely varies"
        if len(names) == 1
        else f"columns {quoted} add up to a constant"
    )
    hint = "" if d.standardize else "; far from zero, data.standardize: true helps"
    raise DataError(f"{where}: {what} in float64, so the weights and b cannot be told apart{hint}")


def _where(config: Config) -> str:
    d = config.data
    return str(d.path) if d.source == "csv" else "the synthetic data"


def _largest(values: Array) -> float:
    """max |v| without a copy of the array the size of the data (nan if any v is)."""
    if not values.size:
        return 0.0
    return float(np.maximum(abs(values.max()), abs(values.min())))  # nan propagates


def make_optimizer(config: OptimizerConfig, X: Array, intercept: bool = True) -> Optimizer:
    """A fresh optimizer (no state yet) from a validated, resolved optimizer config; Newton
    and the diagonal preconditioner read the curvature of the data X trained on."""
    c = config
    momentum, weight_decay = c.momentum or 0.0, c.weight_decay or 0.0
    eps = c.eps if c.eps is not None else 1e-8
    if c.name == "newton":
        return Newton(c.lr, hessian_root(X, intercept))
    if c.name in ("gd", "momentum"):
        scale = jacobi(X, intercept) if c.precondition == "diagonal" else None
        return SGD(c.lr, momentum, c.dampening, c.nesterov, weight_decay, scale)
    if c.name in ("adam", "adamw"):
        betas = (float(c.betas[0]), float(c.betas[1]))
        return Adam(c.lr, betas, eps, weight_decay, c.amsgrad, decoupled=c.name == "adamw")
    if c.name == "rmsprop":
        return RMSprop(c.lr, c.alpha, eps, weight_decay, momentum, c.centered)
    return Adagrad(c.lr, c.lr_decay, eps, weight_decay)


def path_for(
    config: Config,
    problem: Problem,
    in_sweep: bool = False,
    sums: SufficientStats | None = None,
) -> PathChoice:
    """The path a run of this config takes on this data, and why (gdlab/core/fastpath.py).

    ``sums`` are the data's, when an earlier choice already built them. A schedule
    takes the four functions, where the loop sets each epoch's rate in plain sight.
    """
    if config.optimizer.schedule is not None:
        ignored = " (training.fast: true does not apply)" if config.training.fast else ""
        return PathChoice(FOUR_FUNCTIONS, f"a learning-rate schedule (optimizer.schedule){ignored}")
    return choose_path(
        problem.X_train,
        problem.y,
        problem.trained,
        fast=config.training.fast,
        epochs=config.training.epochs,
        tol=config.theory.tol,
        full_batch=is_full_batch(config, len(problem.y)),
        in_sweep=in_sweep,
        sums=sums,
    )


def with_sums(config: Config) -> Config:
    """The config with training.fast set true: what a sweep writes for the points it batched."""
    return replace(config, training=replace(config.training, fast=True))


def scheduled_rates(config: Config, epochs: int) -> Array | None:
    """lr_k for k = 0, ..., epochs - 1 under the config's schedule; None without one."""
    o = config.optimizer
    return None if o.schedule is None else rates(o.schedule, o.lr, epochs)


def run_training(
    config: Config,
    X: Array,
    y: Array,
    on_progress: ProgressCallback | None = None,
    path: PathChoice | None = None,
) -> History:
    """Train as the config says, on the path given (default: the four functions)."""
    t = config.training
    return train(
        X,
        y,
        make_optimizer(config.optimizer, X, config.model.intercept),
        t.epochs,
        init_w=np.array(config.initial_w(), dtype=np.float64),
        init_b=t.init_b,
        tol=t.tol,
        log_every=t.log_every,
        batch_size=t.batch_size,
        # Its own stream, so shuffling never changes the data drawn from the same seed.
        shuffle=np.random.default_rng([config.data.seed, 1]),
        log_steps=t.log_steps,
        sums=None if path is None else path.sums,
        intercept=config.model.intercept,
        on_progress=on_progress,
        rates=scheduled_rates(config, t.epochs),
    )
