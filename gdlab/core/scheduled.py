"""What plain gradient descent does under a learning-rate schedule, computed without running it.

With the rate lr_t at epoch t (gdlab/core/schedules.py) each step maps the
error e = theta - theta* to (I - lr_t H) e, so along eigenvector v_i
(eigenvalue lambda_i) the factors of the epochs multiply:

    e_k = sum_i c_i P_i(k) v_i,   P_i(k) = prod_{t<k} (1 - lr_t lambda_i),   c = V^T e_0

The products are kept as cumulative sums of log |1 - lr_t lambda_i| with their
signs tracked, O(epochs p), so a run that grows past float64 is still followed.
The epochs to a tolerance are "for good" (the last epoch outside, plus one),
read off the run's own epochs, overall and per parameter as theory.observe
measures them. The loss's sum of squared residuals, (n/2) sum_i lambda_i c_i^2
P_i(k)^2, overflows at the first inf epoch. The first nan is not predicted. A run
that grows so far before its rate falls below critical that float64's rounding of its
largest size is above the tolerance is predicted to diverge: that rounding stays.
"""

from __future__ import annotations

import math

import numpy as np

from gdlab.core.notation import Array
from gdlab.core.overflow import FLOAT_MAX
from gdlab.core.theory import Analysis, Prediction, for_good, for_good_each


def log_products(eigenvalues: Array, rates: Array) -> tuple[Array, Array]:
    """log |P_i(k)| and sign P_i(k) for k = 0, ..., epochs (row k), one column per eigenvalue."""
    step = rates[:, None] * eigenvalues[None, :]
    factor = 1.0 - step
    # log1p where the step is small: 1 - step itself rounds (see theory.predict_run).
    with np.errstate(divide="ignore"):
        small = np.log1p(-np.where(step < 1, step, 0.0))
        logs = np.where(step < 1, small, np.log(np.abs(factor)))
    logs = np.where(factor == 1.0, 0.0, logs)  # a step float64 rounds away moves nothing
    start = np.zeros((1, len(eigenvalues)))
    log_size = np.vstack([start, np.cumsum(logs, axis=0)])
    sign = np.vstack([start + 1.0, np.cumprod(np.sign(factor), axis=0)])
    return log_size, sign


def predict_scheduled(analysis: Analysis, rates: Array, theta0: Array, tol: float) -> Prediction:
    """Predict a run from theta0 at the rates lr_0, ..., lr_{epochs-1}, from the spectrum alone.

    ``rates`` in the Prediction are each direction's factor per epoch on average,
    |P_i(epochs)|^(1 / epochs); ``lr`` is the first epoch's rate.
    """
    eigenvalues, V = analysis.eigenvalues, analysis.eigenvectors
    coeffs = V.T @ (np.asarray(theta0, dtype=np.float64) - analysis.theta_ls)
    log_size, sign = log_products(eigenvalues, rates)
    epoch = np.arange(len(log_size), dtype=np.int64)
    with np.errstate(over="ignore", invalid="ignore"):
        along = coeffs * sign * np.exp(log_size)  # c_i P_i(k): the error along each v_i
        distance = np.sqrt(np.sum(along * along, axis=1))
        errors = along @ V.T  # one column per parameter
    total = for_good(epoch, distance, tol)
    per_param = for_good_each(epoch, np.abs(errors), tol)
    first_inf = _first_inf(analysis, coeffs, log_size)
    # A run that grows far before its rate falls below critical keeps float64's rounding of
    # its largest size, eps * max distance: above the tolerance, that is never undone (lr
    # 0.04 decaying by 0.999 an epoch peaks at 2.7e24 and ends 264 from the optimum).
    lost = float(np.finfo(np.float64).eps) * float(np.max(distance, initial=0.0)) >= tol
    if lost:
        total, per_param = None, [None] * len(coeffs)
    grew = first_inf is not None or lost or bool(distance[-1] > distance[0])
    epochs = max(len(rates), 1)
    return Prediction(
        lr=float(rates[0]) if len(rates) else math.nan,
        outcome="diverges" if grew else "converges",
        rates=np.exp(log_size[-1] / epochs),
        epochs_to_tol=total,
        epochs_to_tol_per_param=per_param,
        first_inf_epoch=first_inf,
        first_nan_epoch=None,
        frozen=int(np.sum(np.all(log_size == 0.0, axis=0))),  # every factor rounds to 1
    )


def _first_inf(analysis: Analysis, coeffs: Array, log_size: Array) -> int | None:
    """The first epoch the sum of squared residuals, (n/2) sum_i lambda_i c_i^2 P_i^2,
    passes FLOAT_MAX, summed in logarithms; None if it never does within the run."""
    curvature = np.maximum(analysis.eigenvalues, 0.0)  # rounding's negatives add nothing
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        terms = np.log(analysis.n_samples / 2.0 * curvature * coeffs**2)[None, :] + 2 * log_size
        top = np.max(terms, axis=1)
        safe = np.where(np.isfinite(top), top, 0.0)
        total = safe + np.log(np.sum(np.exp(terms - safe[:, None]), axis=1))
    over = np.flatnonzero(total >= math.log(FLOAT_MAX))
    return int(over[0]) if over.size else None
