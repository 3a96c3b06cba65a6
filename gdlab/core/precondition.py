"""Changing the bowl's shape: standardizing x, a diagonal preconditioner, and Newton's step.

Plain gradient descent walks H's bowl, e_(k+1) = (I - lr H) e_k with e = theta - theta*
and H = (2/n) A^T A (A = [X, 1], or X without an intercept), so its speed is set by
H's condition number. Three ways change the matrix the steps see:

- standardizing x: gradient descent on A's columns centred and scaled (gdlab/core/data.py);
- a diagonal (Jacobi) preconditioner, D = diag(H): theta <- theta - lr D^-1 grad, so
  e_(k+1) = (I - lr D^-1 H) e_k. With u = D^(1/2) e this is u_(k+1) = (I - lr M) u_k,
  M = D^(-1/2) H D^(-1/2): plain descent on A's columns each divided by sqrt(H_jj),
  whose Hessian is M (unit diagonal, so 1 <= lambda_max(M) <= p, trace(M) = p). D^-1 H
  and M share their eigenvalues;
- Newton: theta <- theta - lr H^-1 grad, so e_(k+1) = (1 - lr) e_k: every direction at
  once, in one step at lr = 1.

Each way's epochs to a tolerance are measured in its own coordinates, as the
standardized prediction of `gdlab analyze` always was: theta in x's units for the raw
data, in standardized units, in u = D^(1/2) theta, and for Newton in any (the error
only shrinks by the factor |1 - lr|).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdlab.core.data import Scaling, standardize
from gdlab.core.lstsq import qr_of_data
from gdlab.core.notation import Array
from gdlab.core.theory import Analysis, analyze, hessian, predict_run


def jacobi(X: Array, intercept: bool = True) -> Array:
    """D^-1 per parameter of theta = (w_1, ..., w_d, b): 1 / H_jj, H_jj = (2/n) sum_i A_ij^2.

    Without an intercept b is no parameter (its gradient is 0); its entry is 1.
    """
    diagonal = np.diag(hessian(X, intercept=intercept))
    return np.asarray(np.append(1.0 / diagonal, [] if intercept else [1.0]), dtype=np.float64)


def hessian_root(X: Array, intercept: bool = True) -> Array:
    """U, upper triangular, with H = U^T U: sqrt(2/n) R_A from the QR of A (gdlab/core/lstsq.py).

    Solving with U twice is solving with H without ever forming A^T A, which would
    square A's condition number.
    """
    p = X.shape[1] + (1 if intercept else 0)
    R = qr_of_data(X, np.zeros(X.shape[0]), intercept=intercept)
    return np.asarray(np.sqrt(2.0 / X.shape[0]) * np.triu(R[:p, :p]), dtype=np.float64)


def diagonally_preconditioned(X: Array, y: Array, intercept: bool = True) -> Analysis:
    """The bowl a diagonally preconditioned run walks, in u = D^(1/2) theta: that of the
    design A D^(-1/2), whose Hessian is M = D^(-1/2) H D^(-1/2).

    Returned as an analysis with no intercept of its own: the column of ones, scaled,
    is one of the design's columns, so its parameter u_b is the last of u.
    """
    scale = np.sqrt(jacobi(X, intercept))[: X.shape[1] + (1 if intercept else 0)]
    columns = [X * scale[: X.shape[1]]]
    if intercept:
        columns.append(np.full((X.shape[0], 1), scale[-1]))
    return analyze(np.hstack(columns), y, intercept=False)


@dataclass(frozen=True)
class Way:
    """One way of walking the bowl, and what the spectrum it sees predicts."""

    name: str  # "raw", "standardized", "diagonal" or "newton"
    condition_number: float  # of the matrix the steps see (1 for Newton: H^-1 H = I)
    critical_lr: float  # 2 / lambda_max of that matrix (2 for Newton)
    best_lr: float  # 2 / (lambda_min + lambda_max) (1 for Newton)
    epochs_to_tol: int | None  # at best_lr, from the config's start; None if never in float64
    exact_only: bool = False  # true only in exact arithmetic: float64's rounding needs more


def compare_ways(
    X: Array,
    y: Array,
    theta0: Array,
    tol: float,
    raw: Analysis,
    intercept: bool = True,
    standardized: tuple[Scaling, Analysis] | None = None,
) -> list[Way]:
    """The four ways on the data as given (``raw`` is its analysis), from ``theta0`` (in x's
    units: w, then b if there is an intercept), each at its best rate.

    ``standardized`` is X's scaling and the analysis of the scaled data when already known
    (`gdlab analyze` has them from explain); otherwise they are worked out here.
    """
    if standardized is None:
        scaling = standardize(X, intercept)
        standardized = scaling, analyze(scaling.apply(X), y, intercept=intercept)
    scaling, scaled = standardized
    w0, b0 = (theta0[:-1], float(theta0[-1])) if intercept else (theta0, 0.0)
    theta0_scaled = scaled.stack(*scaling.to_scaled(w0, b0))
    diagonal = diagonally_preconditioned(X, y, intercept)
    u0 = theta0 / np.sqrt(jacobi(X, intercept)[: len(theta0)])  # u = D^(1/2) theta
    ways = [
        _way("raw", raw, theta0, tol),
        _way("standardized", scaled, theta0_scaled, tol),
        _way("diagonal", diagonal, u0, tol),
    ]
    # Newton at lr = 1 maps any error to 0: one epoch, unless the start is already there.
    # In float64 a solve with R is good to about eps sqrt(kappa) of what it moves: when
    # that rounding alone is above the tolerance, one epoch holds in exact arithmetic only.
    start = float(np.linalg.norm(theta0 - raw.theta_ls))
    rounding = float(np.finfo(np.float64).eps) * np.sqrt(raw.condition_number) * start
    one = Way("newton", 1.0, 2.0, 1.0, 0 if start < tol else 1, exact_only=bool(rounding >= tol))
    return [*ways, one]


def _way(name: str, analysis: Analysis, theta0: Array, tol: float) -> Way:
    best = predict_run(analysis, analysis.best_lr, theta0, tol)
    return Way(
        name,
        analysis.condition_number,
        analysis.critical_lr,
        analysis.best_lr,
        best.epochs_to_tol,
    )


# Ties go to the way that changes least: the data as given, x rescaled once, every
# gradient rescaled, and last a p x p solve every step.
_COST_ORDER = ("raw", "standardized", "diagonal", "newton")

_WHY = {
    "raw": "the data's own bowl is already round enough",
    "standardized": (
        "centring x decouples w from b and scaling evens the curvature, with plain gradient "
        "steps (no solve)"
    ),
    "diagonal": "dividing each gradient by its curvature evens the bowl without touching x",
    "newton": (
        "solving with the Hessian undoes its curvature exactly (H^-1 H = I), at the cost of "
        "a p x p solve each step"
    ),
}


def recommend(ways: list[Way]) -> tuple[Way, str]:
    """The way with the fewest epochs to the tolerance (ties: the cheapest epoch), and why."""
    reached = [w for w in ways if w.epochs_to_tol is not None and not w.exact_only]
    if not reached:  # e.g. raw Filip: float64 leaves every bowl short of the tolerance
        roundest = min(
            (w for w in ways if not w.exact_only),
            key=lambda w: (w.condition_number, _COST_ORDER.index(w.name)),
        )
        return roundest, (
            f"{roundest.name}: no way reaches the tolerance in float64 at its best rate; this "
            f"one's bowl is the roundest (condition number {roundest.condition_number:.3g}); "
            f"{_WHY[roundest.name]}"
        )
    best = min(reached, key=lambda w: (w.epochs_to_tol, _COST_ORDER.index(w.name)))
    raw = next(w for w in ways if w.name == "raw")
    tied = [w.name for w in reached if w.epochs_to_tol == best.epochs_to_tol and w is not best]
    also = f" ({', '.join(tied)} as few, at a dearer epoch)" if tied else ""
    epochs = "epoch" if best.epochs_to_tol == 1 else "epochs"
    against = "never" if raw.epochs_to_tol is None else f"{raw.epochs_to_tol:,}"
    return best, (
        f"{best.name}: {best.epochs_to_tol:,} {epochs} at lr = {best.best_lr:.3g} against "
        f"{against} raw at its best rate{also}; {_WHY[best.name]}"
    )
