"""Least squares: the best any w and b can do, found by a QR factorization, never A^T A.

With A = [X, 1], min ||A theta - y|| is solved on the R of a QR factorization of
[A | y], built a block of rows at a time so the data is never copied whole; the
standard errors come from the same triangular factor. Squaring A (the normal
equations A^T A theta = A^T y) would square its condition number too; it is
here only to be shown beside the others by `gdlab analyze`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdlab.core.notation import Array

_QR_ROWS = 65_536  # rows of data per block when reducing it to R


@dataclass(frozen=True)
class LeastSquares:
    """The least-squares optimum: the best any w and b can do on this data."""

    w: Array  # shape (n_features,)
    b: float
    loss: float


def design_matrix(X: Array) -> Array:
    """A = [X, 1]: the features with a column of ones for the intercept."""
    return np.column_stack([X, np.ones(X.shape[0])])


def least_squares(X: Array, y: Array, rows: int = _QR_ROWS) -> LeastSquares:
    """Solve min_(w, b) ||X w + b - y||^2 in closed form, in memory that does not grow with n.

    [A | y] = Q R (A = [X, 1], Q with orthonormal columns, R upper triangular)
    leaves the residual's length unchanged, so ``numpy.linalg.lstsq`` on R's
    small system gives lstsq's answer on the whole data (the same minimum-norm
    solution, even for collinear features), and the optimum's loss is what
    remains of that system, ||R_A theta - r_y||^2 / n. R is built from blocks
    of ``rows`` rows (:func:`qr_of_data`), so the data is never copied whole:
    calling lstsq on [X, 1] would copy it twice.
    """
    return least_squares_from_r(qr_of_data(X, y, rows), X.shape[0])


def least_squares_from_r(R: Array, n: int) -> LeastSquares:
    """The optimum from the R of [X, 1, y] (see :func:`least_squares`)."""
    p = R.shape[1] - 1
    theta, *_ = np.linalg.lstsq(R[:, :p], R[:, p], rcond=None)
    residual = R[:, :p] @ theta - R[:, p]
    w, b = np.asarray(theta[:-1], dtype=np.float64), float(theta[-1])
    return LeastSquares(w=w, b=b, loss=float(residual @ residual) / n)


def qr_of_data(X: Array, y: Array, rows: int = _QR_ROWS) -> Array:
    """R of [X, 1, y] = Q R, from ``rows`` rows at a time (a tall-skinny QR).

    Each block is stacked under the R so far and factored again: an orthogonal
    Q changes no lengths, so the R of the R's is an R of the whole stack.
    Returns at most d + 2 rows.
    """
    n, d = X.shape
    R = np.zeros((0, d + 2))
    for start in range(0, n, rows):
        stop = min(start + rows, n)
        block = np.empty((R.shape[0] + stop - start, d + 2))
        block[: R.shape[0]] = R
        block[R.shape[0] :, :d] = X[start:stop]
        block[R.shape[0] :, d] = 1.0
        block[R.shape[0] :, d + 1] = y[start:stop]
        R = np.asarray(np.linalg.qr(block, mode="r"), dtype=np.float64)
    return R


def first_dependent_column(R: Array, n: int) -> int | None:
    """The first column of A = [X, 1] that is a linear combination of those before it, or None.

    ``R`` is the R of [X, 1, y] (:func:`qr_of_data`), n the number of rows.
    Column d (the last of A) is the intercept's column of ones. Decided with
    numpy's rank tolerance for A itself: sigma_max * max(n, d + 1) * eps.
    """
    d = R.shape[1] - 2
    R = R[:, : d + 1]
    sigma = np.linalg.svd(R, compute_uv=False)
    tol = float(sigma[0]) * max(n, d + 1) * float(np.finfo(np.float64).eps)
    for k in range(1, d + 2):
        if np.linalg.matrix_rank(R[:, :k], tol=tol) < k:
            return k - 1
    return None


def lstsq_on_all_the_data(X: Array, y: Array) -> Array:
    """(w_1..w_d, b) by ``numpy.linalg.lstsq`` on [X, 1] itself, as `gdlab analyze` shows."""
    theta, *_ = np.linalg.lstsq(design_matrix(X), y, rcond=None)
    return np.asarray(theta, dtype=np.float64)


def normal_equations(X: Array, y: Array) -> Array:
    """The optimum (w_1..w_d, b) by solving A^T A theta = A^T y: lstsq's answer, derived."""
    A = design_matrix(X)
    return np.asarray(np.linalg.solve(A.T @ A, A.T @ y), dtype=np.float64)


def standard_errors(
    X: Array, y: Array, ls: LeastSquares | None = None, R: Array | None = None
) -> Array:
    """Standard errors of the least-squares (w, b): sqrt(diag(s^2 (A^T A)^-1)), s^2 = RSS/(n-p).

    They say how far noise alone moves the optimum from the true parameters.
    (A^T A)^-1 is taken from the triangular factor, R_A^-1 R_A^-T, never from
    A^T A itself, which squares the condition number and loses digits (about five
    on Longley's data). Pass the optimum and the R of [X, 1, y] when known.
    """
    R = R if R is not None else qr_of_data(X, y)
    ls = ls if ls is not None else least_squares_from_r(R, X.shape[0])
    n, p = X.shape[0], X.shape[1] + 1
    s2 = ls.loss * n / max(n - p, 1)
    try:
        R_inv = np.linalg.inv(R[:p, :p])
    except np.linalg.LinAlgError:  # columns that do not determine every parameter
        return np.full(p, np.nan)
    return np.asarray(np.sqrt(s2 * np.sum(R_inv * R_inv, axis=1)), dtype=np.float64)
