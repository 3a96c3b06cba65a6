"""What gradient descent should find, computed without gradient descent."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gdlab.model import loss, predict

Array = NDArray[np.float64]


@dataclass(frozen=True)
class LeastSquares:
    """The least-squares optimum: the best any w and b can do on this data."""

    w: Array  # shape (n_features,)
    b: float
    loss: float


def design_matrix(X: Array) -> Array:
    """A = [X, 1]: the features with a column of ones for the intercept."""
    return np.column_stack([X, np.ones(X.shape[0])])


def least_squares(X: Array, y: Array) -> LeastSquares:
    """Solve min_(w, b) ||X w + b - y||^2 in closed form with ``numpy.linalg.lstsq`` on [X, 1]."""
    theta, *_ = np.linalg.lstsq(design_matrix(X), y, rcond=None)
    w, b = np.asarray(theta[:-1], dtype=np.float64), float(theta[-1])
    return LeastSquares(w=w, b=b, loss=loss(predict(X, w, b), y))
