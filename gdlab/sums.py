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

from typing import Any

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

        # Plain floats for the one-run loop: the same IEEE operations, in the same order,
        # as Stacked.evaluate does on arrays (so the bits agree), without NumPy's per-call cost.
        self._R = self.R.tolist()
        self._G = self.G.tolist()
        self._theta_star = self.theta_star.tolist()

    def evaluate(self, theta: Array) -> tuple[float, Array]:
        """Loss and gradient at theta = (w_1..w_d, b), as model.loss and model.gradients give.

        The same arithmetic as :meth:`Stacked.evaluate` for a stack of one.
        """
        e = [t - s for t, s in zip(theta.tolist(), self._theta_star, strict=True)]
        p, n = len(e), float(self.n)
        squares = 0.0
        for i in range(p):
            row = self._R[i][i] * e[i]
            for j in range(i + 1, p):
                row = row + self._R[i][j] * e[j]
            squares = row * row if i == 0 else squares + row * row
        grad = []
        two_over_n = 2.0 / n
        for i in range(p):
            total = self._G[i][0] * e[0]
            for j in range(1, p):
                total = total + self._G[i][j] * e[j]
            grad.append(two_over_n * total)
        return self.loss_star + squares / n, np.array(grad)


class Stacked:
    """The sums of several data sets side by side, so many runs can step together.

    Parameters are laid out by row: theta has shape (p, P), row i holding
    parameter i of every run, so each operation below runs over contiguous memory.
    """

    def __init__(self, stats: list[SufficientStats]) -> None:
        p = stats[0].G.shape[0]
        self.n = np.array([float(s.n) for s in stats])
        self.two_over_n = 2.0 / self.n
        self.loss_star = np.array([s.loss_star for s in stats])
        self.theta_star = np.array([s.theta_star for s in stats]).T.copy()  # (p, P)
        self.R = [[np.array([s.R[i, j] for s in stats]) for j in range(p)] for i in range(p)]
        self.G = [[np.array([s.G[i, j] for s in stats]) for j in range(p)] for i in range(p)]

    def evaluate(self, theta: Array) -> tuple[Array, Array]:
        """Loss (P,) and gradient (p, P) at theta (p, P).

        Written as ordered, element-wise multiply-adds rather than matrix products:
        a BLAS kernel may fuse or reorder them, and then a run would not give the
        same bits alone and in a sweep (SufficientStats.evaluate does these very
        operations on plain floats). Only R's upper triangle is touched, so an
        overflowed e never meets a zero (0 * inf would be nan where the samples
        give inf).
        """
        e = theta - self.theta_star
        p = e.shape[0]
        squares: Any = 0.0  # replaced by the first row's square: 0 + x is x, bit for bit
        for i in range(p):
            row = self.R[i][i] * e[i]
            for j in range(i + 1, p):
                row = row + self.R[i][j] * e[j]
            squares = row * row if i == 0 else squares + row * row
        grad = np.empty_like(e)
        for i in range(p):
            total = self.G[i][0] * e[0]
            for j in range(1, p):
                total = total + self.G[i][j] * e[j]
            grad[i] = self.two_over_n * total
        return self.loss_star + squares / self.n, grad
