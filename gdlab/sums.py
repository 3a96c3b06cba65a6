"""Full-batch loss and gradient from the data's sums: every epoch O(d^2), whatever n is.

The MSE depends on the data only through its sufficient statistics
G = A^T A and c = A^T y (A = [X, 1]), y^T y and n. With theta = (w, b),

    L(theta)  = (1/n) ||A theta - y||^2 = L* + (1/n) (theta - theta*)^T G (theta - theta*)
    grad L    = (2/n) (A^T A theta - A^T y) = (2/n) G (theta - theta*)

where theta* solves G theta* = c and L* = (y^T y - c^T theta*) / n. This is the
same gradient the four seed functions compute, only summed once instead of
every epoch. Written around theta* it keeps rounding small near the optimum,
and on a diverging run it overflows the way a sum of squares does: to inf,
not to inf - inf.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def gram_matrix(X: Array) -> Array:
    """A^T A for A = [X, 1], from X^T X, X's column sums and n: no copy of X is made."""
    n = X.shape[0]
    x_sums = X.sum(axis=0)
    top = np.column_stack([X.T @ X, x_sums])
    return np.vstack([top, np.append(x_sums, float(n))])


class SufficientStats:
    """The data, reduced to what the MSE needs; built with one pass over X and y."""

    def __init__(self, X: Array, y: Array) -> None:
        n = y.shape[0]
        self.n = n
        self.G = gram_matrix(X)
        c = np.append(X.T @ y, y.sum())  # A^T y
        self.theta_star = np.linalg.solve(self.G, c)
        self.loss_star = max(float(y @ y - c @ self.theta_star) / n, 0.0)
        # G = R^T R, so e^T G e = ||R e||^2: a sum of squares, as the loss is.
        self.R = np.linalg.cholesky(self.G).T

    def evaluate(self, theta: Array) -> tuple[float, Array]:
        """Loss and gradient at theta = (w_1..w_d, b), as model.loss and model.gradients give."""
        e = theta - self.theta_star
        Re = self.R @ e
        squares = float(Re @ Re)
        if math.isnan(squares):
            # An overflowed e meets R's zeros, and 0 * inf is nan; the loss itself is not.
            # Row by row over the upper triangle gives what the samples would: inf.
            Re = np.array([self.R[i, i:] @ e[i:] for i in range(len(e))])
            squares = float(Re @ Re)
        return self.loss_star + squares / self.n, (2.0 / self.n) * (self.G @ e)
