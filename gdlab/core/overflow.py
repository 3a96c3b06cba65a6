"""When a diverging run's numbers leave float64: the first inf loss and the first nan.

With e_t = sum_i c_i rho_i^t v_i (gdlab/core/theory.py) every quantity of a
diverging run is a sum of geometric terms, so the epoch it passes FLOAT_MAX
is found in logarithms, without running it:

- the loss, as the sum of squared residuals (n/2) e^T H e = (n/2) sum_i
  lambda_i c_i^2 rho_i^(2t), overflows to inf;
- a sum of the gradient, A^T r = (n/2) H e_t, overflows, and the step makes
  those parameters +-inf; or a step overflows a parameter theta* + e_t itself;
- the loss turns nan when infinities of both signs meet: in a prediction
  x_j . w + b (a row whose infinite terms differ in sign, or a 0 times inf),
  at once; otherwise in the next gradient's sums, one epoch later. A run on
  the data's sums has no predictions: there they meet in a row of R e
  (theory.py hands over R's sign patterns instead of the samples').
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gdlab.core.notation import Array
from gdlab.core.settle import first_below

# The largest float64; a sum of squares beyond it is inf.
FLOAT_MAX = float(np.finfo(np.float64).max)
_ROWS = 65_536
_SIGNED_STEPS = 64  # epochs from the bound to the signed sums' own overflow: one or two


@dataclass(frozen=True)
class SignPairs:
    """For the columns k, l of A: whether some row has A_jk A_jl > 0 (``same``), < 0
    (``opposite``), or A_jk = 0 (``zero``). Infinite parameters meet in a row's
    prediction with the signs these allow."""

    same: NDArray[np.bool_]  # shape (p, p)
    opposite: NDArray[np.bool_]
    zero: NDArray[np.bool_]  # shape (p,)


def sign_pairs_of_rows(A: Array) -> SignPairs:
    """The sign patterns of the rows of A itself (e.g. the triangular R the sums use)."""
    positive, negative = (A > 0).astype(np.float64), (A < 0).astype(np.float64)
    same = (positive.T @ positive + negative.T @ negative) > 0
    opposite = (positive.T @ negative + negative.T @ positive) > 0
    return SignPairs(same, opposite, np.zeros(A.shape[1], dtype=bool))


def sign_pairs(X: Array, intercept: bool = True) -> SignPairs:
    """The sign patterns of A = [X, 1] (or X), a block of rows at a time."""
    p = X.shape[1] + (1 if intercept else 0)
    same, opposite, zero = np.zeros((p, p), bool), np.zeros((p, p), bool), np.zeros(p, bool)
    for start in range(0, X.shape[0], _ROWS):
        block = X[start : start + _ROWS]
        if intercept:
            block = np.column_stack([block, np.ones(block.shape[0])])
        positive, negative = (block > 0).astype(np.float32), (block < 0).astype(np.float32)
        same |= (positive.T @ positive + negative.T @ negative) > 0
        opposite |= (positive.T @ negative + negative.T @ positive) > 0
        zero |= (block == 0).any(axis=0)
    return SignPairs(same, opposite, zero)


@dataclass(frozen=True)
class Divergence:
    """A diverging run's spectrum, start and sign patterns: what its overflows follow from."""

    eigenvalues: Array
    eigenvectors: Array
    n_samples: int
    coeffs: Array  # c = V^T (theta0 - theta*)
    rho: Array  # 1 - lr lambda_i
    signs: SignPairs

    def first_inf_epoch(self) -> int | None:
        """The epoch the loss (the sum of squared residuals) overflows."""
        with np.errstate(divide="ignore"):
            # An eigenvalue that rounding made negative counts as 0: it adds nothing.
            curvature = np.maximum(self.eigenvalues, 0.0)
            log_terms = np.log(self.n_samples / 2.0 * curvature * self.coeffs**2)[None, :]
        return _overflow(log_terms, 2 * self._log_rate())

    def first_nan_epoch(self) -> int | None:
        """The epoch the loss turns nan (see the module's docstring)."""
        half_n = self.n_samples / 2.0
        gradient = self.vectors_times(self.eigenvalues * self.coeffs * half_n)
        parameters = self.vectors_times(self.coeffs)
        found = []
        for terms, step in ((gradient, 1), (parameters, 0)):
            with np.errstate(divide="ignore"):
                log_terms = np.log(np.abs(terms))
            t = _overflow(log_terms, self._log_rate())  # no row's sum overflows sooner
            if t is None:
                continue
            logs, signs = _row_sums(terms, self.rho, t)
            for _ in range(_SIGNED_STEPS):  # the sums themselves, with their signs
                if np.any(logs >= math.log(FLOAT_MAX)):
                    break
                t += 1
                logs, signs = _row_sums(terms, self.rho, t)
            infinite = logs >= math.log(FLOAT_MAX)
            # Infinite from epoch t + step: after an overflowed gradient's step, with
            # minus its sign; a parameter that overflowed itself, at once.
            meet = self._meet_in_a_prediction(infinite, signs * (-1.0 if step else 1.0))
            found.append(t + step + (0 if meet else 1))
        return min(found) if found else None

    def vectors_times(self, weights: Array) -> Array:
        """V_ki weights_i, one row per parameter k."""
        return np.asarray(self.eigenvectors * weights[None, :], dtype=np.float64)

    def _log_rate(self) -> Array:
        return np.asarray(np.log(np.maximum(np.abs(self.rho), 1e-300)), dtype=np.float64)

    def _meet_in_a_prediction(self, infinite: NDArray[np.bool_], signs: Array) -> bool:
        """Whether the infinite parameters give inf - inf (or 0 * inf) in some row."""
        k = np.flatnonzero(infinite)
        if self.signs.zero[k].any():
            return True
        agree = np.outer(signs[k], signs[k]) > 0
        clash = np.where(agree, self.signs.opposite[np.ix_(k, k)], self.signs.same[np.ix_(k, k)])
        return bool(clash.any())


def _overflow(log_terms: Array, log_rate: Array) -> int | None:
    """First t at which some row-sum of exp(log_terms + t log_rate) passes FLOAT_MAX.

    The fastest-growing term alone gets there by the estimate below; the others
    can only bring it earlier. A sum of positive exponentials is convex in t,
    so once past the limit it stays past: bisect for the first epoch that is.
    """
    target = math.log(FLOAT_MAX)
    with np.errstate(invalid="ignore"):
        largest = np.max(log_terms, axis=0)  # each direction's largest term at t = 0
    growing = (log_rate > 0) & np.isfinite(largest)
    if not growing.any():
        return None  # nothing grows (lr exactly critical, or a start on the optimum)

    def overflowed(t: int) -> bool:
        return bool(_overflowed_rows(log_terms, log_rate, t).any())

    if overflowed(0):  # past the limit from the start (it may dip below it before it grows)
        return 0

    # Each growing term alone overflows by its own estimate; the soonest bounds the answer.
    alone = (target - largest[growing]) / log_rate[growing]
    high = max(0, math.ceil(float(alone.min())))
    # And no row of m terms passes the limit before one of its terms passes 1/m of it.
    shared = (target - math.log(log_terms.shape[1]) - largest[growing]) / log_rate[growing]
    low = min(high, max(0, math.floor(float(shared.min())) - 1))
    if overflowed(low):  # a term that does not grow is that large already
        low = 0
    for _ in range(_SIGNED_STEPS):  # past the estimate's rounding
        if overflowed(high):
            return first_below(lambda t: 0.0 if overflowed(t) else 1.0, 0.5, high, low)
        high += 1
    return None


def _overflowed_rows(log_terms: Array, log_rate: Array, t: int) -> NDArray[np.bool_]:
    """Which row-sums of exp(log_terms + t log_rate) pass FLOAT_MAX, without overflowing."""
    exponents = log_terms + t * log_rate[None, :]
    top = exponents.max(axis=1, keepdims=True)
    with np.errstate(under="ignore", invalid="ignore"):
        sums = top[:, 0] + np.log(np.exp(exponents - top).sum(axis=1))
    return np.asarray(sums >= math.log(FLOAT_MAX))


def _row_sums(terms: Array, rho: Array, t: int) -> tuple[Array, Array]:
    """log |sum_i terms_ki rho_i^t| and its sign, per row k, summed in logarithms."""
    with np.errstate(divide="ignore", under="ignore", invalid="ignore"):
        logs = np.log(np.abs(terms)) + t * np.log(np.maximum(np.abs(rho), 1e-300))[None, :]
        logs = np.where(np.isfinite(logs), logs, -np.inf)
        top = np.max(logs, axis=1)
        top = np.where(np.isfinite(top), top, 0.0)
        sign = np.sign(terms) * np.sign(rho)[None, :] ** (t % 2)
        total = np.sum(sign * np.exp(logs - top[:, None]), axis=1)
        return np.asarray(top + np.log(np.abs(total))), np.asarray(np.sign(total))
