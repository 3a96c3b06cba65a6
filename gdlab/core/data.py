"""Data to fit: synthetic lines (and planes) with Gaussian noise, standardizing x, and an
epoch's shuffled mini-batches.

Reading a CSV file is the record's job (gdlab/record/csvdata.py); it raises the
:class:`DataError` defined here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from gdlab.core.notation import Array

# Mini-batches are sliced from the shuffled rows gathered about this many at a time.
GATHER_ROWS = 4096


def make_linear_data(
    n_samples: int,
    x_min: float,
    x_max: float,
    true_w: Sequence[float],
    true_b: float,
    noise_std: float,
    rng: np.random.Generator,
    degree: int = 1,
) -> tuple[Array, Array]:
    """Draw x ~ Uniform(x_min, x_max) per feature and y = X true_w + true_b + noise.

    With ``degree`` > 1 one x is drawn and X is its powers x, x^2, ..., x^degree
    (:func:`polynomial_features`), one weight in ``true_w`` each.

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
    X = rng.uniform(x_min, x_max, size=(n_samples, 1 if degree > 1 else w.shape[0]))
    X = polynomial_features(X, degree)
    noise = rng.normal(0.0, noise_std, size=n_samples)
    with np.errstate(over="ignore", invalid="ignore"):  # huge weights give inf: the caller checks
        y = X @ w + true_b + noise
    return X, y


def polynomial_features(X: Array, degree: int) -> Array:
    """The columns x, x^2, ..., x^degree of a single column x (X itself when degree is 1).

    Each power is x times the one before, as a reader would compute it by hand.
    """
    if degree == 1:
        return X
    powers = np.empty((X.shape[0], degree))
    powers[:, 0] = X[:, 0]
    with np.errstate(over="ignore"):  # the caller refuses powers too large for float64
        for k in range(1, degree):
            powers[:, k] = powers[:, k - 1] * X[:, 0]
    return powers


@dataclass(frozen=True)
class Scaling:
    """x_scaled = (x - mean) / std, per feature, and the map of (w, b) between the two units.

    A line y = w_s . x_scaled + b_s is the line y = w . x + b with
    w = w_s / std and b = b_s - sum(w_s * mean / std).
    """

    mean: Array  # shape (n_features,)
    std: Array  # shape (n_features,)

    @property
    def is_identity(self) -> bool:
        """True when nothing is scaled (mean 0, std 1)."""
        return bool(np.all(self.mean == 0) and np.all(self.std == 1))

    def apply(self, X: Array) -> Array:
        """Scale X: shape (n_samples, n_features)."""
        return (X - self.mean) / self.std

    def to_original(self, w: Array, b: float) -> tuple[Array, float]:
        """Parameters fitted on scaled x, in the units of the original x."""
        if self.is_identity:  # also keeps a diverged inf from turning into inf * 0 = nan
            return w, b
        with np.errstate(over="ignore", invalid="ignore"):
            w_original = w / self.std
            return w_original, float(b - np.sum(w_original * self.mean))

    def traces_to_original(self, W: Array, B: Array) -> tuple[Array, Array]:
        """Traces (W: (n_epochs, n_features), B: (n_epochs,)) in the original units."""
        if self.is_identity:
            return W, B
        with np.errstate(over="ignore", invalid="ignore"):
            W_original = W / self.std
            return W_original, B - W_original @ self.mean

    def to_scaled(self, w: Array, b: float) -> tuple[Array, float]:
        """Parameters in original units, in the units of the scaled x."""
        if self.is_identity:
            return w, b
        return w * self.std, float(b + np.sum(w * self.mean))


def identity_scaling(n_features: int) -> Scaling:
    """The scaling that changes nothing."""
    return Scaling(mean=np.zeros(n_features), std=np.ones(n_features))


def standardize(X: Array, intercept: bool = True) -> Scaling:
    """The scaling to mean 0 and standard deviation 1 per feature.

    Without an intercept x is only divided, by its root mean square, and not
    shifted: a line through the origin in x is then one through the origin in
    x_scaled too. Raises DataError for a constant feature (with an intercept),
    which has no spread to divide by, or a feature that is all zeros.
    """
    if not intercept:
        rms = np.sqrt(np.mean(X * X, axis=0))
        zero = np.flatnonzero(rms == 0)
        if zero.size:
            raise DataError(f"feature {int(zero[0]) + 1} is all zeros, so it cannot be scaled")
        return Scaling(mean=np.zeros(X.shape[1]), std=rms)
    std = X.std(axis=0)
    constant = np.flatnonzero(std == 0)
    if constant.size:
        raise DataError(f"feature {int(constant[0]) + 1} is constant, so it cannot be standardized")
    return Scaling(mean=X.mean(axis=0), std=std)


class DataError(ValueError):
    """Data that cannot be trained on; the message names the file, column and line."""


def batches(
    X: Array, y: Array, batch_size: int, rng: np.random.Generator
) -> Iterator[tuple[Array, Array]]:
    """One epoch's mini-batches (X_batch, y_batch): a fresh shuffle, cut in order; the last
    may be smaller.

    The rows are gathered in shuffled order GATHER_ROWS or so at a time and the batches
    sliced from them: one copy per few thousand rows, not one per batch (which cost more
    than a small batch's arithmetic), and never a whole second X.
    """
    order = rng.permutation(len(y))
    chunk = batch_size * max(1, GATHER_ROWS // batch_size)
    for start in range(0, len(y), chunk):
        rows = order[start : start + chunk]
        X_rows, y_rows = X[rows], y[rows]
        for i in range(0, len(rows), batch_size):
            yield X_rows[i : i + batch_size], y_rows[i : i + batch_size]
