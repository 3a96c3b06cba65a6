"""The lecture's notation, defined once: the array type and the names of the parameters."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

# Every X, y, w, gradient and trace in gdlab is an array of float64.
Array = NDArray[np.float64]


def feature_names(prefix: str, n_features: int) -> list[str]:
    """``['w']`` for one feature, ``['w_1', 'w_2', ...]`` for several (likewise x, grad_w)."""
    if n_features == 1:
        return [prefix]
    return [f"{prefix}_{i}" for i in range(1, n_features + 1)]


def param_names(n_features: int, intercept: bool = True) -> list[str]:
    """The parameters in the order gdlab stacks them: the weights, then b (if it is learned)."""
    return [*feature_names("w", n_features), *(["b"] if intercept else [])]
