"""Least squares to the last digit the data determine: iterative refinement in double-double.

A QR factorization in float64 loses about log10(kappa) digits, kappa being the
condition number of the (column-scaled) design A: 8 of 16 on the NIST Filip
data, 9 on Wampler5. Refinement wins them back. With R from that QR,
R^T R is A^T A up to a relative error of about kappa * eps, so

    z <- z + (R^T R)^-1 (c - A^T A z)

shrinks the error in z by about kappa * eps per step, as long as the residual
c - A^T A z is computed more precisely than the answer is wanted: here it is
formed from exact products and carried in double-double
(gdlab/core/compensated.py). For the optimum, c - A^T A z = A^T (y - A z);
for column k of (A^T A)^-1, whose diagonal gives the standard errors, c = e_k.
A polynomial's columns x^2, ..., x^k are formed in double-double too: rounded
to float64 they would move the optimum of an ill-conditioned design (NIST's
Filip) in its eighth digit.

Reference: A. Bjorck, "Iterative refinement of linear least squares
solutions I", BIT 7 (1967); N. J. Higham, Accuracy and Stability of
Numerical Algorithms, 2nd ed., ch. 20.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from gdlab.core import compensated as dd
from gdlab.core.notation import Array

_ROWS = 16_384  # rows of data per block: the pairs of a block fit in memory many times over
_MAX_STEPS = 60  # each gains digits at kappa * eps per step; well-posed data needs 2 or 3
_EPS = float(np.finfo(np.float64).eps)
_TINY = float(np.finfo(np.float64).tiny)


@dataclass(frozen=True)
class Refined:
    """The least-squares optimum and its by-products, correct to float64's last digits."""

    theta: Array  # (w_1..w_d, b), or w alone without an intercept
    rss: float  # sum of squared residuals at theta
    tss: float  # sum of squares of y about its mean (about 0 without an intercept)
    inverse_diagonal: Array  # diag((A^T A)^-1): the standard errors are s * sqrt(it)
    steps: int  # refinement steps taken


def refine(X: Array, y: Array, R: Array, intercept: bool = True, degree: int = 1) -> Refined:
    """Refine the float64 optimum and (A^T A)^-1 given by R, the R of [A, y] = Q R.

    A is [X, 1] (or X without an intercept); R has A's p columns, then y's.
    With ``degree`` > 1, X is x, x^2, ..., x^degree and the powers are
    recomputed from x = X[:, 0] in double-double. Raises
    numpy.linalg.LinAlgError when R is singular.
    """
    p = R.shape[1] - 1
    R_A = R[:p, :p]
    R_inv = np.linalg.inv(np.triu(R_A))
    # Columns: the optimum, then (A^T A)^-1 = R^-1 R^-T column by column.
    Z = np.column_stack([R_inv @ R[:p, p], R_inv @ R_inv.T])
    identity = np.hstack([np.zeros((p, 1)), np.eye(p)])
    steps, previous = 0, np.inf
    while steps < _MAX_STEPS:
        G, _ = _normal_residuals(X, y, Z, intercept, degree)
        G_hi, G_lo = dd.add(G, (identity, np.zeros_like(identity)))
        correction = R_inv @ (R_inv.T @ (G_hi + G_lo))
        Z, steps = Z + correction, steps + 1
        size = float(np.max(np.abs(correction) / np.maximum(np.abs(Z), _TINY)))
        if size <= 4 * _EPS or size > previous / 2:  # done, or down to rounding noise
            break
        previous = size
    _, rss = _normal_residuals(X, y, Z[:, :1], intercept, degree)
    return Refined(
        theta=Z[:, 0].copy(),
        rss=rss,
        tss=_spread(y, intercept),
        inverse_diagonal=np.diag(Z[:, 1:]).copy(),
        steps=steps,
    )


def _design_blocks(
    X: Array, y: Array, intercept: bool, degree: int
) -> Iterator[tuple[dd.Pair, Array]]:
    """Blocks of rows of A = [X, 1] (or X), as pairs, and of y: no copy of the whole data."""
    for start in range(0, X.shape[0], _ROWS):
        block = X[start : start + _ROWS]
        lo = np.zeros_like(block)
        if degree > 1:  # x^k = x^(k-1) * x, each product kept to twice the precision
            x = block[:, 0]
            block = block.copy()
            for k in range(1, degree):
                hi, err = dd.two_product(block[:, k - 1], x)
                block[:, k], lo[:, k] = dd.renormalized(hi, err + lo[:, k - 1] * x)
        if intercept:
            ones = np.ones((block.shape[0], 1))
            block, lo = np.hstack([block, ones]), np.hstack([lo, 0.0 * ones])
        yield (block, lo), y[start : start + _ROWS]


def _normal_residuals(
    X: Array, y: Array, Z: Array, intercept: bool, degree: int
) -> tuple[dd.Pair, float]:
    """A^T (Y - A Z) in double-double, and the sum of squares of its first column's residual.

    Y's first column is y and the others are 0: the optimum's residual, and
    -A^T A z for each column z of the inverse.
    """
    p, m = Z.shape
    total: dd.Pair = (np.zeros((p, m)), np.zeros((p, m)))
    rss: dd.Pair = (np.zeros(()), np.zeros(()))
    for (A, A_lo), y_block in _design_blocks(X, y, intercept, degree):
        target = np.zeros((A.shape[0], m))
        target[:, 0] = y_block
        residual: dd.Pair = (target, np.zeros_like(target))
        for j in range(p):  # residual -= A_j z_j, each product exact
            z = np.broadcast_to(Z[j], (A.shape[0], m))
            hi, lo = dd.two_product(A[:, j : j + 1], z)
            residual = dd.add(residual, (-hi, -(lo + A_lo[:, j : j + 1] * z)))
        for j in range(p):  # A^T residual, row j
            a, a_lo = A[:, j : j + 1], A_lo[:, j : j + 1]
            hi, lo = dd.two_product(a, residual[0])
            row = dd.sum_pairs((hi, lo + a * residual[1] + a_lo * residual[0]))
            total = _add_row(total, j, row)
        r_hi, r_lo = residual[0][:, 0], residual[1][:, 0]
        sq_hi, sq_lo = dd.two_product(r_hi, r_hi)
        rss = dd.add(rss, dd.sum_pairs((sq_hi, sq_lo + 2 * r_hi * r_lo)))
    return total, float(rss[0] + rss[1])


def _add_row(total: dd.Pair, j: int, row: dd.Pair) -> dd.Pair:
    hi, lo = total[0].copy(), total[1].copy()
    hi[j], lo[j] = dd.add((hi[j], lo[j]), row)
    return hi, lo


def _spread(y: Array, intercept: bool) -> float:
    """sum (y - mean y)^2 with an intercept, sum y^2 without, in double-double."""
    if intercept:
        mean_hi, mean_lo = dd.sum_pairs((y, np.zeros_like(y)))
        mean = float((mean_hi + mean_lo) / len(y))
        hi, lo = dd.two_sum(y, np.full_like(y, -mean))
    else:
        hi, lo = y, np.zeros_like(y)
    sq_hi, sq_lo = dd.two_product(hi, hi)
    total_hi, total_lo = dd.sum_pairs((sq_hi, sq_lo + 2 * hi * lo))
    return float(total_hi + total_lo)
