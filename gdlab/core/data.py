"""Data to fit: synthetic lines (and planes) with Gaussian noise, CSV files, standardizing."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

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


def standardize(X: Array) -> Scaling:
    """The scaling to mean 0 and standard deviation 1 per feature.

    Raises DataError for a constant feature, which has no spread to divide by.
    """
    std = X.std(axis=0)
    constant = np.flatnonzero(std == 0)
    if constant.size:
        raise DataError(f"feature {int(constant[0]) + 1} is constant, so it cannot be standardized")
    return Scaling(mean=X.mean(axis=0), std=std)


class DataError(ValueError):
    """Data that cannot be trained on; the message names the file, column and line."""


def read_csv(path: Path, x_columns: Sequence[str], y_column: str) -> tuple[Array, Array]:
    """Read X (one column per name in ``x_columns``) and y from a CSV file with a header.

    Every value must be a finite number; there must be at least one row per
    parameter (d weights and b), and no x column may be constant.
    """
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"{path}: cannot be read ({err})") from None
    if not rows:
        raise DataError(f"{path}: the file is empty; expected a header row of column names")
    header = [name.strip() for name in rows[0]]
    wanted = [*x_columns, y_column]
    for name in wanted:
        if name not in header:
            raise DataError(f"{path}: no column {name!r}; the columns are {', '.join(header)}")
    table = np.array(
        [
            [_number(path, line, row, header, name) for name in wanted]
            for line, row in enumerate(rows[1:], start=2)
            if any(c.strip() for c in row)
        ]
    )
    n_params = len(x_columns) + 1
    if len(table) < n_params:
        raise DataError(
            f"{path}: {len(table)} rows of data, but fitting {n_params} parameters "
            f"needs at least {n_params}"
        )
    X, y = table[:, :-1], table[:, -1]
    for j, name in enumerate(x_columns):
        if np.all(X[:, j] == X[0, j]):
            raise DataError(
                f"{path}: column {name!r} is constant ({X[0, j]:g} in every row), "
                "so its weight cannot be determined"
            )
    return X, y


def _number(path: Path, line: int, row: list[str], header: list[str], name: str) -> float:
    where = f"{path}, line {line}, column {name!r}"
    index = header.index(name)
    text = row[index].strip() if index < len(row) else ""
    if not text:
        raise DataError(f"{where}: the value is missing")
    try:
        value = float(text)
    except ValueError:
        raise DataError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise DataError(f"{where}: {text!r} is not a finite number")
    return value
