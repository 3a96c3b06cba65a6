"""The NIST StRD linear least-squares sets: gdlab's numbers scored against certified values.

Each set in ``data/nist/`` comes with NIST's certified coefficients, their
standard deviations, the residual standard deviation and R^2, to 15 digits.
Accuracy is the LRE, the log relative error ("digits that agree", at most
15; where the certified value is 0, the log absolute error). gdlab's least
squares (what a run's summary.json holds) is scored beside two ways a NumPy
user might solve the same problem: ``numpy.linalg.lstsq`` and the normal
equations.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gdlab.core.lstsq import design_matrix
from gdlab.core.notation import Array
from gdlab.core.theory import Analysis
from gdlab.record.build import load_data, prepare
from gdlab.record.config import load_config

MAX_DIGITS = 15.0


@dataclass(frozen=True)
class Certified:
    """One set's certified values, in gdlab's order: w_1..w_k, then b (with an intercept)."""

    key: str
    name: str
    difficulty: str
    theta: Array
    standard_errors: Array
    residual_sd: float
    r_squared: float


def read_certified(path: Path) -> dict[str, Certified]:
    """certified.json (see data/nist/README.md), keyed by set."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    sets = {}
    for key, entry in raw.items():
        if key.startswith("_"):
            continue
        estimates = np.array([float(p["estimate"]) for p in entry["parameters"]])
        errors = np.array([float(p["standard_deviation"]) for p in entry["parameters"]])
        if entry["intercept"]:  # NIST lists B0 (the intercept) first; gdlab puts b last
            estimates, errors = np.roll(estimates, -1), np.roll(errors, -1)
        sets[key] = Certified(
            key=key,
            name=entry["name"],
            difficulty=entry["difficulty"],
            theta=estimates,
            standard_errors=errors,
            residual_sd=float(entry["residual_standard_deviation"]),
            r_squared=float(entry["r_squared"]),
        )
    return sets


def lre(computed: Array | float, certified: Array | float) -> Array:
    """NIST's log relative error -log10(|c - x| / |x|), from 0 to 15 digits; where the
    certified x is 0, the log absolute error -log10(|c|). nan computes to 0 digits."""
    c = np.asarray(computed, dtype=np.float64)
    x = np.asarray(certified, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        error = np.where(x == 0, np.abs(c - x), np.abs(c - x) / np.abs(x))
        digits = -np.log10(error)
    return np.asarray(np.clip(np.nan_to_num(digits, nan=0.0), 0.0, MAX_DIGITS), dtype=np.float64)


@dataclass(frozen=True)
class Digits:
    """The worst LRE of each certified quantity."""

    coefficients: float
    standard_errors: float
    residual_sd: float
    r_squared: float

    @property
    def worst(self) -> float:
        """The fewest digits right of the four."""
        return min(self.coefficients, self.standard_errors, self.residual_sd, self.r_squared)


def score(
    theta: Array, errors: Array, residual_sd: float, r_squared: float, cert: Certified
) -> Digits:
    """The digits of each quantity against the certified values."""
    return Digits(
        coefficients=float(lre(theta, cert.theta).min()),
        standard_errors=float(lre(errors, cert.standard_errors).min()),
        residual_sd=float(lre(residual_sd, cert.residual_sd)),
        r_squared=float(lre(r_squared, cert.r_squared)),
    )


def score_gdlab(analysis: Analysis, cert: Certified) -> Digits:
    """gdlab's least squares, as a run's summary.json reports it."""
    ls = analysis.ls
    return score(analysis.theta_ls, ls.standard_errors, ls.residual_sd, ls.r_squared, cert)


def score_numpy(X: Array, y: Array, intercept: bool, cert: Certified, how: str) -> Digits:
    """What a NumPy user gets: ``how`` is "lstsq" (numpy.linalg.lstsq, its default
    cut-off; (A^T A)^-1 from the pseudo-inverse) or "normal" (solve and invert A^T A)."""
    A = design_matrix(X, intercept)
    theta, inverse = _SOLVERS[how](A, y)
    n, p = A.shape
    residual = y - A @ theta
    rss = float(residual @ residual)
    tss = float(np.sum((y - y.mean()) ** 2)) if intercept else float(y @ y)
    s = math.sqrt(rss / (n - p))
    with np.errstate(invalid="ignore"):
        errors = s * np.sqrt(np.diag(inverse))
    return score(theta, errors, s, 1.0 - rss / tss, cert)


def _lstsq(A: Array, y: Array) -> tuple[Array, Array]:
    theta, *_ = np.linalg.lstsq(A, y, rcond=None)
    pinv = np.linalg.pinv(A)
    return np.asarray(theta, dtype=np.float64), np.asarray(pinv @ pinv.T, dtype=np.float64)


def _normal(A: Array, y: Array) -> tuple[Array, Array]:
    gram = A.T @ A
    try:
        return np.linalg.solve(gram, A.T @ y), np.linalg.inv(gram)
    except np.linalg.LinAlgError:  # singular in float64: no digit at all
        nan = np.full(A.shape[1], np.nan)
        return nan, np.diag(nan)


_SOLVERS: dict[str, Callable[[Array, Array], tuple[Array, Array]]] = {
    "lstsq": _lstsq,
    "normal": _normal,
}


@dataclass(frozen=True)
class Row:
    """One set's line of the table."""

    cert: Certified
    condition_number: float  # of the Hessian on the data as given (raw)
    gdlab: Digits
    lstsq: Digits
    normal: Digits


def score_set(config_path: Path, cert: Certified) -> Row:
    """Load the set through its config, as `gdlab train` would, and score all three ways."""
    config = load_config(config_path)
    X, y = load_data(config)
    original = prepare(config, X, y).original
    intercept = config.model.intercept
    return Row(
        cert=cert,
        condition_number=original.condition_number,
        gdlab=score_gdlab(original, cert),
        lstsq=score_numpy(X, y, intercept, cert, "lstsq"),
        normal=score_numpy(X, y, intercept, cert, "normal"),
    )
