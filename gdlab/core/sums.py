"""Full-batch loss and gradient from the data's sums: every epoch O(d^2), whatever n is.

The MSE depends on the data only through its sufficient statistics
G = A^T A and c = A^T y (A = [X, 1]), y^T y and n. With theta = (w, b),

    L(theta)  = (1/n) ||A theta - y||^2 = L* + (1/n) (theta - theta*)^T G (theta - theta*)
    grad L    = (2/n) (A^T A theta - A^T y) = (2/n) G (theta - theta*)

where theta* solves G theta* = c and L* = (y^T y - c^T theta*) / n. This is
the same gradient the four seed functions compute, only summed once instead
of every epoch. Written around theta* it keeps rounding small near the
optimum. The loss is kept a sum of squares, L* + ||R (theta - theta*)||^2 / n
with R^T R = G (Cholesky), so on a diverging run it overflows about where the
samples' sum of squares does: to inf, not to inf - inf.

Both classes below do the same IEEE operations in the same order, one on
plain floats (one run) and one on arrays (many runs side by side), so a run
gives the same bits alone and in a sweep: every sum starts from 0.0 and adds
its terms in index order.
"""

from __future__ import annotations

import numpy as np

from gdlab.core.notation import Array


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
        G = gram_matrix(X)
        c = np.append(X.T @ y, y.sum())  # A^T y
        self.theta_star = np.linalg.solve(G, c)
        self.loss_star = max(float(y @ y - c @ self.theta_star) / n, 0.0)
        self.G = G
        self.R = np.linalg.cholesky(G).T  # upper triangular: loss = L* + ||R e||^2 / n
        self.n = float(n)

        # Plain floats for the one-run loop: NumPy's per-call cost dwarfs a 2 x 2 product.
        self._G = self.G.tolist()
        self._R = self.R.tolist()
        self._theta_star = self.theta_star.tolist()

    def loss_and_gradients(self, w: Array, b: float) -> tuple[float, Array, float]:
        """Loss, grad_w and grad_b at (w, b), as model.loss and model.gradients give them.

        The same arithmetic as :meth:`Stacked.evaluate`, on plain floats.
        """
        e = [t - s for t, s in zip([*w.tolist(), b], self._theta_star, strict=True)]
        p = len(e)
        grad = []
        for i in range(p):
            total = 0.0
            for j in range(p):
                total += self._G[i][j] * e[j]
            grad.append(2.0 / self.n * total)
        squares = 0.0
        for i in range(p):
            row = 0.0
            for j in range(i, p):  # R's upper triangle only: 0 * inf would be nan
                row += self._R[i][j] * e[j]
            squares += row * row
        return self.loss_star + squares / self.n, np.array(grad[:-1]), grad[-1]


class Stacked:
    """The sums of several data sets side by side, so many runs can step together.

    Parameters are laid out by row: theta has shape (p, P), row i holding
    parameter i of every run, so each operation runs over contiguous memory.
    G and R are stacked into one (2p, p, P) array, so one multiply and one
    ordered reduction give the gradient and R e together.
    """

    def __init__(self, stats: list[SufficientStats]) -> None:
        if len(stats) < 2:
            # With one column NumPy reduces along the summed axis itself, pairwise,
            # which is not the order SufficientStats adds in.
            raise ValueError("Stacked needs at least two data sets")
        p = stats[0].G.shape[0]
        self.p = p
        self.loss_star = np.array([s.loss_star for s in stats])
        self.n = np.array([s.n for s in stats])
        # Full (p, P) rather than broadcast (P,): NumPy broadcasts at a cost on every call.
        self.two_over_n = np.tile(2.0 / self.n, (p, 1))
        self.theta_star = np.array([s.theta_star for s in stats]).T.copy()  # (p, P)
        self.matrices = np.stack([np.vstack([s.G, s.R]) for s in stats], axis=-1)
        # Which products enter the sums: all of G's, R's upper triangle.
        terms = np.vstack([np.ones((p, p), dtype=bool), np.triu(np.ones((p, p), dtype=bool))])
        self.terms = np.repeat(terms[:, :, None], len(stats), axis=2)
        self._e = np.empty_like(self.theta_star)
        self._e_wide = self._e[None]
        self._products = np.empty_like(self.matrices)
        self._squares = np.empty_like(self.theta_star)
        self._square_rows = list(self._squares)

    def evaluate(self, theta: Array, out: Array, grad: Array, r_e: Array, loss: Array) -> None:
        """Write the gradient at theta (p, P) and R e to out (2p, P), the loss to loss (P,).

        grad and r_e are the views out[:p] and out[p:], made once by the caller.

        Element-wise multiplies and ordered reductions rather than matrix
        products: a BLAS kernel may fuse or reorder the terms, and then a run
        would not give the same bits alone and in a sweep. A reduction with
        ``where`` starts from 0.0, as SufficientStats's sums do; the squares are
        added row by row. The buffers are reused: an epoch allocates nothing.
        """
        np.subtract(theta, self.theta_star, out=self._e)
        np.multiply(self.matrices, self._e_wide, out=self._products)
        np.add.reduce(self._products, axis=1, where=self.terms, out=out)
        np.multiply(self.two_over_n, grad, out=grad)
        np.multiply(r_e, r_e, out=self._squares)
        first, second, *rest = self._square_rows  # p >= 2: a weight and the intercept
        np.add(first, second, out=loss)  # 0.0 + first is first: squares are never -0.0
        for square in rest:
            np.add(loss, square, out=loss)
        np.divide(loss, self.n, out=loss)
        np.add(self.loss_star, loss, out=loss)
