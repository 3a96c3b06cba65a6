"""Least squares: the best any w and b can do, found by a QR factorization, never A^T A.

With A = [X, 1] (or X alone for a fit through the origin), min ||A theta - y||
is solved on the R of a QR factorization of [A | y], built a block of rows at a
time so the data is never copied whole; the standard errors come from the same
triangular factor. When the data's conditioning would cost digits, the answer
is refined in double-double (gdlab/core/refine.py) until it is right to
float64's last digits, as the NIST reference data sets certify it. Squaring A
(the normal equations A^T A theta = A^T y) would square its condition number
too; it is here only to be shown beside the others by `gdlab analyze`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gdlab.core.notation import Array
from gdlab.core.refine import refine

_QR_ROWS = 65_536  # rows of data per block when reducing it to R
_EPS = float(np.finfo(np.float64).eps)
# Refine when float64's error estimate, eps (kappa + kappa^2 rho) with a margin,
# passes this: below it QR in float64 already has the digits (and costs far less).
_REFINE_ABOVE = 1e-13
# Data this small (rows x parameters) is always refined: it costs a few milliseconds,
# and the estimate above is for the whole vector, not its smallest component.
_ALWAYS_REFINE = 100_000


class RankDeficient(ValueError):
    """A design whose columns do not determine every parameter: one is a combination of others."""

    def __init__(self, column: int) -> None:
        super().__init__(f"column {column} of the design is a combination of the ones before it")
        self.column = column


@dataclass(frozen=True)
class LeastSquares:
    """The least-squares optimum: the best any w and b can do on this data, and its statistics."""

    w: Array  # shape (n_features,)
    b: float  # 0.0 for a fit through the origin
    loss: float  # the mean squared residual there
    standard_errors: Array  # of (w_1..w_d, b), or of w alone without an intercept
    residual_sd: float  # sqrt(RSS / (n - p)), p parameters; nan when n = p
    r_squared: float  # 1 - RSS / TSS; TSS about the mean, or about 0 through the origin
    refined: bool  # whether double-double refinement was needed for the last digits


def design_matrix(X: Array, intercept: bool = True) -> Array:
    """A = [X, 1]: the features with a column of ones for the intercept (or X alone)."""
    return np.column_stack([X, np.ones(X.shape[0])]) if intercept else np.array(X, dtype=float)


def least_squares(
    X: Array,
    y: Array,
    rows: int = _QR_ROWS,
    intercept: bool = True,
    R: Array | None = None,
    degree: int = 1,
) -> LeastSquares:
    """Solve min_(w, b) ||X w + b - y||^2 (b = 0 without an intercept), to the last digit.

    [A | y] = Q R (Q with orthonormal columns, R upper triangular) leaves the
    residual's length unchanged, so the optimum solves R's small triangular
    system; R is built from blocks of ``rows`` rows (:func:`qr_of_data`), so
    the data is never copied whole. Pass R when it is known; ``degree`` > 1
    says X is x, x^2, ..., x^degree, the powers then being recomputed more
    precisely from x = X[:, 0] if the answer is refined. The standard
    errors are s sqrt(diag((A^T A)^-1)), s^2 = RSS / (n - p), with (A^T A)^-1
    = R_A^-1 R_A^-T from the same factor, never from A^T A itself.

    Raises :class:`RankDeficient` when a column is a combination of others.
    """
    R = R if R is not None else qr_of_data(X, y, rows, intercept)
    n, p = X.shape[0], R.shape[1] - 1
    dependent = first_dependent_column(R, n)
    if dependent is not None:
        raise RankDeficient(dependent)
    R_inv = np.linalg.inv(np.triu(R[:p, :p]))
    theta = R_inv @ R[:p, p]
    residual = abs(float(R[p, p])) if R.shape[0] > p else 0.0
    refined = n * p <= _ALWAYS_REFINE or _digits_at_stake(R[:p, :p], theta, residual)
    if refined:
        fit = refine(X, y, R, intercept, degree)
        theta, rss, inverse_diagonal = fit.theta, fit.rss, fit.inverse_diagonal
        tss = fit.tss
    else:
        rss, inverse_diagonal = residual * residual, np.sum(R_inv * R_inv, axis=1)
        tss = float(np.sum((y - y.mean()) ** 2)) if intercept else float(y @ y)
    # With as many parameters as rows the fit is exact and says nothing of the noise.
    s2 = rss / (n - p) if n > p else math.nan
    w = np.asarray(theta[:-1] if intercept else theta, dtype=np.float64)
    return LeastSquares(
        w=w,
        b=float(theta[-1]) if intercept else 0.0,
        loss=rss / n,
        standard_errors=np.sqrt(s2 * inverse_diagonal),
        residual_sd=math.sqrt(s2),
        r_squared=1.0 - rss / tss if tss > 0 else math.nan,
        refined=refined,
    )


def _digits_at_stake(R_A: Array, theta: Array, residual: float) -> bool:
    """Whether QR in float64 may have lost digits: its relative error is about
    eps (kappa + kappa^2 rho), kappa the condition number of A with its columns
    scaled to length 1 and rho = ||r|| / (||A|| ||theta||) in those units
    (Higham, Accuracy and Stability of Numerical Algorithms, ch. 20)."""
    norms = np.linalg.norm(R_A, axis=0)
    scaled = R_A / norms
    sigma = np.linalg.svd(scaled, compute_uv=False)
    kappa = float(sigma[0] / sigma[-1])
    size = float(sigma[0]) * float(np.linalg.norm(theta * norms))
    rho = residual / size if size > 0 else 0.0
    return bool(10 * R_A.shape[0] * _EPS * (kappa + kappa * kappa * rho) > _REFINE_ABOVE)


def qr_of_data(X: Array, y: Array, rows: int = _QR_ROWS, intercept: bool = True) -> Array:
    """R of [X, 1, y] = Q R (or of [X, y]), from ``rows`` rows at a time (a tall-skinny QR).

    Each block is stacked under the R so far and factored again: an orthogonal
    Q changes no lengths, so the R of the R's is an R of the whole stack.
    Returns at most p + 1 rows, p = d + 1 (d without an intercept).
    """
    n, d = X.shape
    p = d + 1 if intercept else d
    R = np.zeros((0, p + 1))
    for start in range(0, n, rows):
        stop = min(start + rows, n)
        block = np.empty((R.shape[0] + stop - start, p + 1))
        block[: R.shape[0]] = R
        block[R.shape[0] :, :d] = X[start:stop]
        if intercept:
            block[R.shape[0] :, d] = 1.0
        block[R.shape[0] :, p] = y[start:stop]
        R = np.asarray(np.linalg.qr(block, mode="r"), dtype=np.float64)
    return R


def first_dependent_column(R: Array, n: int) -> int | None:
    """The first column of A that is a linear combination of those before it, or None.

    ``R`` is the R of [A, y] (:func:`qr_of_data`), n the number of rows. With an
    intercept, A's last column is the column of ones. Each column is first
    scaled to length 1, so that units (x^10 beside 1, say) do not count as
    dependence; then numpy's rank tolerance applies: sigma_max * max(n, p) * eps.
    """
    p = R.shape[1] - 1
    R_A = R[:, :p]
    norms = np.linalg.norm(R_A, axis=0)
    if not np.all(norms > 0):
        return int(np.argmin(norms > 0))
    scaled = R_A / norms
    sigma = np.linalg.svd(scaled, compute_uv=False)
    tol = float(sigma[0]) * max(n, p) * _EPS
    for k in range(1, p + 1):
        if np.linalg.matrix_rank(scaled[:, :k], tol=tol) < k:
            return k - 1
    return None


def lstsq_on_all_the_data(X: Array, y: Array, intercept: bool = True) -> Array:
    """(w_1..w_d, b) by ``numpy.linalg.lstsq`` on [X, 1] itself, as `gdlab analyze` shows."""
    theta, *_ = np.linalg.lstsq(design_matrix(X, intercept), y, rcond=None)
    return np.asarray(theta, dtype=np.float64)


def normal_equations(X: Array, y: Array, intercept: bool = True) -> Array:
    """The optimum (w_1..w_d, b) by solving A^T A theta = A^T y: lstsq's answer, derived."""
    A = design_matrix(X, intercept)
    return np.asarray(np.linalg.solve(A.T @ A, A.T @ y), dtype=np.float64)
