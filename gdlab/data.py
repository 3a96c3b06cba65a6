"""Data to fit: synthetic lines (and planes) with Gaussian noise."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def make_linear_data(
    n_samples: int,
    x_min: float,
    x_max: float,
    true_w: Sequence[float],
    true_b: float,
    noise_std: float,
    rng: np.random.Generator,
) -> tuple[Array, Array]:
    """Draw x ~ Uniform(x_min, x_max) per feature and y = X true_w + true_b + noise.

    Parameters
    ----------
    n_samples : int
    x_min, x_max : float
        The range every feature is drawn from.
    true_w : sequence of float, length n_features
    true_b : float
    noise_std : float
        Standard deviation of the Gaussian noise added to y; its square is
        the loss a perfect fit would still have.
    rng : numpy.random.Generator

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    """
    w = np.asarray(true_w, dtype=np.float64)
    X = rng.uniform(x_min, x_max, size=(n_samples, w.shape[0]))
    noise = rng.normal(0.0, noise_std, size=n_samples)
    y = X @ w + true_b + noise
    return X, y
