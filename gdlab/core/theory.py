"""What gradient descent should do, computed without running it.

For full-batch gradient descent on the mean squared error, with A = [X, 1]
and theta = (w, b), the loss is a quadratic bowl:

    L(theta) = L* + 1/2 e^T H e,   e = theta - theta*,   H = (2/n) A^T A

so each step maps the error to e <- (I - lr H) e. Along each eigenvector v_i
of H (eigenvalue lambda_i) the error is multiplied by rho_i = 1 - lr lambda_i
every epoch: it shrinks if |rho_i| < 1 and grows otherwise. Hence

    stable  iff  0 < lr < 2 / lambda_max        (the critical learning rate)
    fastest fixed rate  lr = 2 / (lambda_min + lambda_max)

and every number below (epochs to a tolerance, the epoch the loss overflows)
follows from e_t = sum_i c_i rho_i^t v_i with c = V^T e_0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gdlab.core.decay import ridge_offsets, settle_with_offsets
from gdlab.core.lstsq import LeastSquares, least_squares, qr_of_data
from gdlab.core.notation import Array
from gdlab.core.overflow import Divergence, SignPairs, sign_pairs, sign_pairs_of_rows
from gdlab.core.settle import first_below, settle_epochs
from gdlab.core.sums import gram_matrix


def loss_surface(X: Array, y: Array, W: Array, B: Array) -> Array:
    """The MSE at every (w, b) of a grid, for one feature; W and B have the grid's shape.

    Expands (1/n) sum (w x + b - y)^2 into sums over the data once, so the grid
    costs nothing per sample.
    """
    x = X[:, 0]
    xx, x1, xy, y1, yy = (float(np.mean(v)) for v in (x * x, x, x * y, y, y * y))
    return np.asarray(
        W * W * xx + 2 * W * B * x1 + B * B - 2 * W * xy - 2 * B * y1 + yy, dtype=np.float64
    )


def hessian(X: Array, gram: Array | None = None, intercept: bool = True) -> Array:
    """H = (2/n) A^T A, the (constant) Hessian of the MSE in (w, b); shape (d + 1, d + 1).

    Assembled from the data's sums (see gdlab/core/sums.py), so no copy of [X, 1] is
    made; pass A^T A when it is already known. Without an intercept b is not a
    parameter (it stays 0): H = (2/n) X^T X, shape (d, d).
    """
    gram = gram if gram is not None else gram_matrix(X)
    d = X.shape[1]
    gram = gram if intercept else gram[:d, :d]
    return np.asarray((2.0 / X.shape[0]) * gram, dtype=np.float64)


@dataclass(frozen=True)
class Analysis:
    """The bowl gradient descent walks down: its optimum and its curvature."""

    ls: LeastSquares
    hessian: Array
    eigenvalues: Array  # ascending
    eigenvectors: Array  # column i belongs to eigenvalues[i]
    n_samples: int
    signs: SignPairs  # where infinite parameters would meet with both signs
    intercept: bool = True  # False: a fit through the origin, b held at 0 and not a parameter

    @property
    def standard_errors(self) -> Array:
        """Of the optimum's parameters: how far noise alone moves them."""
        return self.ls.standard_errors

    @property
    def theta_ls(self) -> Array:
        """The optimum as one vector of the parameters (w_1, ..., w_d, b)."""
        return self.stack(self.ls.w, self.ls.b)

    def stack(self, w: Array, b: float | Array) -> Array:
        """(w, b) as the vector of parameters the theory works with: w alone without
        an intercept. ``w`` may be a trace (one row per epoch), ``b`` then a column."""
        w = np.asarray(w, dtype=np.float64)
        if not self.intercept:
            return w
        return np.column_stack([w, b]) if w.ndim == 2 else np.append(w, b)

    @property
    def condition_number(self) -> float:
        """lambda_max / lambda_min: how stretched the bowl is."""
        low = float(self.eigenvalues[0])
        return float(self.eigenvalues[-1]) / low if low > 0 else math.inf

    @property
    def critical_lr(self) -> float:
        """2 / lambda_max: at or above it, gradient descent diverges."""
        return 2.0 / float(self.eigenvalues[-1])

    @property
    def best_lr(self) -> float:
        """2 / (lambda_min + lambda_max): the fixed rate that converges fastest."""
        return 2.0 / float(self.eigenvalues[0] + self.eigenvalues[-1])


def analyze(
    X: Array, y: Array, R: Array | None = None, intercept: bool = True, degree: int = 1
) -> Analysis:
    """The least-squares optimum and the Hessian's eigen-decomposition for this data.

    Pass the R of [X, 1, y] (:func:`~gdlab.core.lstsq.qr_of_data`) when it is known.
    Without an intercept the fit is a line (plane) through the origin; ``degree``
    > 1 says X is the powers x, x^2, ... of its first column. Raises
    :class:`~gdlab.core.lstsq.RankDeficient` if the columns do not determine the parameters.
    """
    R = R if R is not None else qr_of_data(X, y, intercept=intercept)
    ls = least_squares(X, y, intercept=intercept, R=R, degree=degree)  # and standard errors
    return with_optimum(X, ls, intercept, R)


def with_optimum(
    X: Array, ls: LeastSquares, intercept: bool = True, R: Array | None = None
) -> Analysis:
    """The analysis of X's bowl around an optimum already known (e.g. found on scaled x).

    H's eigenvalues are (2/n) sigma_i^2 and its eigenvectors the right singular
    vectors of R_A (A = Q R_A), never eigh of H itself: squaring A squares its
    condition number, and eigh of H loses every eigenvalue below about
    p eps lambda_max (Longley's smallest, 4e-20 lambda_max, came out negative).
    """
    H = hessian(X, intercept=intercept)  # one pass over the data for A^T A, to show
    n, p = X.shape[0], H.shape[0]
    R = R if R is not None else qr_of_data(X, np.zeros(n), intercept=intercept)
    _, sigma, Vt = np.linalg.svd(np.triu(R[:p, :p]))
    eigenvalues, eigenvectors = (2.0 / n) * sigma[::-1] ** 2, Vt[::-1].T
    # The SVD is exact to about p eps sigma_max: a sigma below that is rounding, and the
    # honest eigenvalue is 0, a direction no step can move.
    resolution = (p * float(np.finfo(np.float64).eps)) ** 2 * float(eigenvalues[-1])
    eigenvalues = np.where(eigenvalues <= resolution, 0.0, eigenvalues)
    # An eigenvector's sign is arbitrary; make its largest component positive to read it.
    largest = eigenvectors[np.argmax(np.abs(eigenvectors), axis=0), range(p)]
    eigenvectors = eigenvectors * np.sign(largest)
    signs = sign_pairs(X, intercept)
    return Analysis(ls, H, eigenvalues, eigenvectors, X.shape[0], signs, intercept)


@dataclass(frozen=True)
class Prediction:
    """What gradient descent will do at one learning rate, from one start."""

    lr: float
    outcome: str  # "converges" or "diverges"
    rates: Array  # |1 - lr lambda_i| per eigenvalue: the factor the error shrinks by per epoch
    epochs_to_tol: int | None  # from this epoch on ||theta - theta_ls|| < tol (it only falls)
    epochs_to_tol_per_param: list[int | None]  # from this epoch on, |theta_k - theta_ls_k| < tol
    first_inf_epoch: int | None  # the loss overflows to inf (diverging runs)
    first_nan_epoch: int | None  # inf - inf turns the loss nan (diverging runs)
    frozen: int = 0  # eigen-directions along which 1 - lr lambda rounds to exactly 1


def predict_run(
    analysis: Analysis,
    lr: float,
    theta0: Array,
    tol: float,
    sums: bool = False,
    weight_decay: float = 0.0,
    each_parameter: bool = True,
) -> Prediction:
    """Predict a run from theta0 = (w_1..w_d, b) at rate ``lr``, from the spectrum alone.

    ``each_parameter`` false leaves out when each parameter settles (None each): with a
    hundred parameters that is most of the work, and a page of many rates skips it.

    With ``weight_decay`` wd each eigenvalue is lambda + wd and the run walks to the
    ridge optimum, a fixed offset from theta_ls (gdlab/core/decay.py). ``sums`` says the
    run computes its loss from the data's sums (gdlab/core/sums.py), L* + ||R e||^2 / n
    with R^T R = (n/2) H: there infinite parameters meet in the rows of R, not in the
    samples' predictions.
    """
    curvature = analysis.eigenvalues + weight_decay
    rho = 1.0 - lr * curvature
    # log |1 - lr lambda|, from log1p where the step is small: rho itself rounds, and a
    # rounding of 1e-16 in it is off by a whole epoch every 1e16 / (lr lambda) epochs.
    step = lr * curvature
    with np.errstate(divide="ignore"):
        log_rate = np.where(step < 1, np.log1p(-np.where(step < 1, step, 0.0)), np.log(np.abs(rho)))
    log_rate = np.where(rho == 1.0, 0.0, log_rate)  # a step float64 rounds away moves nothing
    V = analysis.eigenvectors
    offsets = ridge_offsets(analysis.eigenvalues, V, analysis.theta_ls, weight_decay)
    coeffs = V.T @ (np.asarray(theta0, dtype=np.float64) - analysis.theta_ls) - offsets
    converges = 0 < lr < 2.0 / float(curvature[-1])
    total: int | None
    per_param: list[int | None]
    first_inf: int | None
    first_nan: int | None
    if converges and offsets.any():
        total, per_param = settle_with_offsets(V, coeffs, offsets, rho, tol, log_rate)
        first_inf = first_nan = None
    elif converges:
        total = _epochs_to_norm(coeffs, rho, tol, log_rate)
        per_param = (
            settle_epochs(analysis.eigenvectors * coeffs, rho, tol, log_rate)
            if each_parameter
            else [None] * len(coeffs)
        )
        first_inf = first_nan = None
    else:
        total = 0 if float(np.linalg.norm(coeffs + offsets)) < tol else None
        per_param = [None] * len(coeffs)
        divergence = Divergence(
            analysis.eigenvalues,
            analysis.eigenvectors,
            analysis.n_samples,
            coeffs,
            rho,
            _sums_signs(analysis) if sums else analysis.signs,
        )
        first_inf, first_nan = divergence.first_inf_epoch(), divergence.first_nan_epoch()
    return Prediction(
        lr=lr,
        outcome="converges" if converges else "diverges",
        rates=np.abs(rho),
        frozen=int(np.sum(rho == 1.0)),
        epochs_to_tol=total,
        epochs_to_tol_per_param=per_param,
        first_inf_epoch=first_inf,
        first_nan_epoch=first_nan,
    )


def _sums_signs(analysis: Analysis) -> SignPairs:
    """Where infinities meet on the sums path: the rows of R (R^T R = (n/2) H)."""
    try:
        R = np.linalg.cholesky(analysis.hessian * (analysis.n_samples / 2.0)).T
    except np.linalg.LinAlgError:  # not positive definite in float64: the samples' pattern
        return analysis.signs
    return sign_pairs_of_rows(R)


def _epochs_to_norm(coeffs: Array, rho: Array, tol: float, log_rate: Array) -> int | None:
    """Smallest t with sum_i (c_i rho_i^t)^2 < tol^2 (all |rho_i| <= 1, so it only falls);
    ``log_rate`` is log |rho_i|, computed more precisely than rho itself.

    None when it never happens in float64: a rate so small that 1 - lr lambda_i
    rounds to exactly 1 leaves the error along v_i where it is, every epoch.
    """
    stuck = rho == 1.0
    if float(np.linalg.norm(coeffs[stuck])) >= tol:
        return None

    def norm(t: int) -> float:
        with np.errstate(under="ignore"):
            decay = np.exp(2 * t * log_rate) if t else 1.0  # rho = 0 has log_rate -inf
            return float(np.sqrt(np.sum(coeffs**2 * decay)))

    return first_below(norm, tol)


@dataclass(frozen=True)
class Observed:
    """The same quantities as :class:`Prediction`, read off a recorded trajectory."""

    epochs_to_tol: int | None
    epochs_to_tol_per_param: list[int | None]
    initial_distance: float
    final_distance: float


def observe(epoch: NDArray[np.int64], thetas: Array, theta_ls: Array, tol: float) -> Observed:
    """Epochs to ``tol`` in a recorded run; ``thetas`` has one row (w_1..w_d, b) per epoch.

    Each is "for good": the epoch from which the distance (or the parameter's
    error) stays below tol to the end of the run; None if it is outside at the
    end. Exact when every epoch was logged; with ``log_every > 1`` it is the first
    logged epoch after the last one logged outside: for plain descent (whose errors
    only fall) late by up to ``log_every - 1``; with momentum a swing out between two
    logged epochs goes unseen, so it can also be early.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        error = thetas - theta_ls
        distance = np.sqrt(np.sum(error * error, axis=1))
        per_param = for_good_each(epoch, np.abs(error), tol)
    return Observed(
        epochs_to_tol=for_good(epoch, distance, tol),
        epochs_to_tol_per_param=per_param,
        initial_distance=float(distance[0]),
        final_distance=float(distance[-1]),
    )


def for_good_each(epoch: NDArray[np.int64], sizes: Array, tol: float) -> list[int | None]:
    """for_good of each column of ``sizes`` (one row per logged epoch), all at once."""
    outside = ~(sizes < tol)
    rows = len(epoch)
    last = rows - 1 - np.argmax(outside[::-1], axis=0)  # the last row outside, if any
    ever = np.any(outside, axis=0).tolist()
    return [
        0 if not ever[j] else (int(epoch[k + 1]) if k + 1 < rows else None)
        for j, k in enumerate(last.tolist())
    ]


def for_good(epoch: NDArray[np.int64], size: Array, tol: float) -> int | None:
    """The logged epoch from which ``size`` stays below tol to the end; None if it ends outside."""
    return for_good_each(epoch, size[:, None], tol)[0]
