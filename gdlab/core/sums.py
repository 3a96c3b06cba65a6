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

A run gives the same bits alone (:class:`SufficientStats`) and in a sweep
(:class:`Stacked`): both compute its 2p sums G e and R e (e = theta - theta*,
p = d + 1 parameters) the same way, chosen by p alone:

- below :data:`BY_MATRIX_FROM` parameters, term by term: plain floats for one
  run (NumPy's cost per call dwarfs a 2 x 2 product), element-wise arrays
  across runs. Every sum starts from 0.0 and adds its terms in index order,
  skipping R's lower triangle.
- from it, by matrix: one ``np.einsum`` over the run's (p, 2p) matrix of
  coefficients, alone or run by run in a stack, on the same layout, so each
  sum goes through the same NumPy kernel with the same operands. It reads the
  matrix once, where a multiply then a reduction write and read a copy of it:
  3x faster at d = 200. The sums run over j in order here too (einsum keeps
  the output contiguous and walks j outside it; where a NumPy build fuses
  multiply and add, it fuses alone and stacked alike). R's lower triangle is
  zeros and enters them: nothing changes while theta is finite (0.0 + 0 x e_j
  is 0.0), but once a parameter is inf, 0 x inf makes the loss nan, not inf.

Neither uses a matrix product: a BLAS kernel may split or reorder the terms
differently for one run and for many, or with the number of threads.
"""

from __future__ import annotations

import numpy as np

from gdlab.core.notation import Array

# Parameters (d + 1) from which a run's sums are one np.einsum rather than term by
# term: measured where the two cross, alone (p = 5) and for 100 runs stacked (p = 8).
BY_MATRIX_FROM = 8


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
        p = self.p = G.shape[0]
        # Row j: what multiplies e_j in each of the 2p sums, G e then R e.
        self.coefficients = np.vstack([G, self.R]).T.copy()

        # Plain floats for the term-by-term loop; buffers for the einsum.
        self._G = self.G.tolist()
        self._R = self.R.tolist()
        self._theta_star = self.theta_star.tolist()
        self._e, self._sums = np.empty(p), np.empty(2 * p)
        self._squares, self._running = np.empty(p), np.empty(p)

    def loss_and_gradients(self, w: Array, b: float) -> tuple[float, Array, float]:
        """Loss, grad_w and grad_b at (w, b), as model.loss and model.gradients give them.

        The same arithmetic as :meth:`Stacked.evaluate` gives this run in a stack.
        """
        if self.p >= BY_MATRIX_FROM:
            return self._by_matrix(w, b)
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

    def _by_matrix(self, w: Array, b: float) -> tuple[float, Array, float]:
        e, sums, p = self._e, self._sums, self.p
        e[:-1], e[-1] = w, b
        np.subtract(e, self.theta_star, out=e)
        np.einsum("ji,j->i", self.coefficients, e, out=sums)
        grad = 2.0 / self.n * sums[:p]
        np.multiply(sums[p:], sums[p:], out=self._squares)
        np.add.accumulate(self._squares, out=self._running)  # in order, as the floats add
        return self.loss_star + float(self._running[-1]) / self.n, grad[:-1], float(grad[-1])


class Stacked:
    """The sums of several data sets side by side, so many runs can step together.

    Parameters are laid out by row: theta has shape (p, P), row i holding
    parameter i of every run, so each operation runs over contiguous memory.
    Term by term, G and R are stacked into one (2p, p, P) array, so one
    multiply and one ordered reduction give the gradient and R e together; by
    matrix, the runs' coefficients are stacked (P, p, 2p) for one np.einsum.
    """

    def __init__(self, stats: list[SufficientStats]) -> None:
        if len(stats) < 2:
            # With one column NumPy reduces along the summed axis itself, pairwise,
            # which is not the order SufficientStats adds in.
            raise ValueError("Stacked needs at least two data sets")
        p = stats[0].G.shape[0]
        self.p, self.by_matrix = p, p >= BY_MATRIX_FROM
        self.loss_star = np.array([s.loss_star for s in stats])
        self.n = np.array([s.n for s in stats])
        # Full (p, P) rather than broadcast (P,): NumPy broadcasts at a cost on every call.
        self.two_over_n = np.tile(2.0 / self.n, (p, 1))
        self.theta_star = np.array([s.theta_star for s in stats]).T.copy()  # (p, P)
        self._squares = np.empty_like(self.theta_star)
        if self.by_matrix:  # run by run, each as SufficientStats lays it out alone
            self.coefficients = _by_run([s.coefficients for s in stats])  # (P, p, 2p)
            self._theta_star_by_run = self.theta_star.T.copy()
            self._e_by_run = np.empty((len(stats), p))
            self._sums_by_run = np.empty((len(stats), 2 * p))
            return
        self.matrices = np.stack([np.vstack([s.G, s.R]) for s in stats], axis=-1)
        # Which products enter the sums: all of G's, R's upper triangle.
        terms = np.vstack([np.ones((p, p), dtype=bool), np.triu(np.ones((p, p), dtype=bool))])
        self.terms = np.repeat(terms[:, :, None], len(stats), axis=2)
        self._e = np.empty_like(self.theta_star)
        self._e_wide = self._e[None]
        self._products = np.empty_like(self.matrices)

    def evaluate(self, theta: Array, out: Array, grad: Array, r_e: Array, loss: Array) -> None:
        """Write the gradient at theta (p, P) and R e to out (2p, P), the loss to loss (P,).

        grad and r_e are the views out[:p] and out[p:], made once by the caller.

        Element-wise multiplies and ordered reductions (or np.einsum, by matrix)
        rather than matrix products. A reduction with ``where`` starts from
        0.0, as SufficientStats's sums do; the squares are added row by row.
        The buffers are reused: an epoch allocates nothing.
        """
        if self.by_matrix:
            np.subtract(theta.T, self._theta_star_by_run, out=self._e_by_run)
            np.einsum("kji,kj->ki", self.coefficients, self._e_by_run, out=self._sums_by_run)
            np.copyto(out, self._sums_by_run.T)
        else:
            np.subtract(theta, self.theta_star, out=self._e)
            np.multiply(self.matrices, self._e_wide, out=self._products)
            np.add.reduce(self._products, axis=1, where=self.terms, out=out)
        np.multiply(self.two_over_n, grad, out=grad)
        np.multiply(r_e, r_e, out=self._squares)
        # Down the rows, each run's column in order (with two runs or more NumPy walks the
        # columns inside and the rows outside), as SufficientStats's running sum adds them.
        np.add.reduce(self._squares, axis=0, out=loss)
        np.divide(loss, self.n, out=loss)
        np.add(self.loss_star, loss, out=loss)


def _by_run(coefficients: list[Array]) -> Array:
    """The runs' matrices stacked (P, p, 2p); one matrix seen P times if they share their data
    (a learning-rate sweep): no copy per run, and it stays in cache from one run to the next."""
    first = coefficients[0]
    if all(c is first or np.array_equal(c, first) for c in coefficients):
        return np.broadcast_to(first, (len(coefficients), *first.shape))
    return np.stack(coefficients)
