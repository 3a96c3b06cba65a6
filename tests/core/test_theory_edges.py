"""Theory at the edges of float64: eigenvalues below rounding, epochs past 2^53, n = p."""

from __future__ import annotations

import math
import time

import numpy as np

from gdlab.core.data import polynomial_features, standardize
from gdlab.core.lstsq import least_squares
from gdlab.core.settle import settle_epoch
from gdlab.core.theory import analyze, predict_run


def _years() -> tuple[np.ndarray, np.ndarray]:  # type: ignore[type-arg]
    """x = 1950..2020 to the fifth power, standardized: lambda_min is 5e-21 lambda_max,
    which eigh of H rounded below zero (and analyze hung); the SVD of R resolves it."""
    x = np.arange(1950.0, 2021.0)[:, None]
    X = polynomial_features(x, 5)
    y = 0.01 * (x[:, 0] - 1985) ** 2 + np.random.default_rng(1).normal(size=len(x))
    return standardize(X).apply(X), y


def test_tiny_eigenvalues_are_resolved_and_nothing_hangs_or_overflows() -> None:
    X, y = _years()
    analysis = analyze(X, y)
    # (2/n) A^T A's eigenvalues from the singular values of R: the smallest, squared
    # from sigma, has the digits eigh of H lost (it gave a negative number).
    H_eigenvalues = np.linalg.eigvalsh(analysis.hessian)
    assert H_eigenvalues.min() < 1e-15 * H_eigenvalues.max()  # eigh: noise at this size
    sigma = np.linalg.svd(np.column_stack([X, np.ones(len(y))]), compute_uv=False)
    np.testing.assert_allclose(analysis.eigenvalues, np.sort(2 / len(y) * sigma**2), rtol=1e-6)
    assert 1e19 < analysis.condition_number < 1e21
    start = time.process_time()
    for lr in (1e-3, analysis.best_lr, 0.999 * analysis.critical_lr, 2 * analysis.critical_lr):
        p = predict_run(analysis, lr, np.zeros(6), 1e-3)
        assert p.outcome == ("diverges" if lr >= analysis.critical_lr else "converges")
    assert time.process_time() - start < 5.0  # generous: it used to never end


def test_a_parameter_settles_on_its_own_though_the_whole_never_does() -> None:
    X, y = _years()
    analysis = analyze(X, y)
    p = predict_run(analysis, 0.5 * analysis.critical_lr, np.zeros(6), 1e-3)
    assert p.epochs_to_tol is None and p.frozen >= 1  # 1 - lr lambda_min rounds to 1
    # Not every parameter is tied to the frozen direction: those that are not still settle.
    assert any(e is not None for e in p.epochs_to_tol_per_param)


def test_a_crossing_past_float64s_whole_numbers_is_not_mistaken_for_settled() -> None:
    # Steps of lr lambda = 1e-18 and 1e-17 (float64's rho rounds them to 1 - 2.2e-16; log1p
    # keeps the true rates). Two large terms cancel to below tol for ever, which keeps the
    # bound loose until about 1e19; the third falls below tol at ln(10) / 1e-17 = 2.3e17.
    rho = np.full(3, 1 - 2.2e-16)
    terms = np.array([5.0, -5.0, 0.01])
    log_rate = -np.array([1e-18, 1e-18 * (1 + 1e-9), 1e-17])
    t = settle_epoch(terms, rho, 1e-3, log_rate)
    assert t is not None and abs(t / (math.log(10) / 1e-17) - 1) < 1e-5  # not 1, nor never


def test_with_as_many_rows_as_parameters_the_noise_is_unknown() -> None:
    x = np.array([[1.0], [2.0], [3.0], [5.0]])
    ls = least_squares(polynomial_features(x, 3), np.array([1.0, 4.0, 2.0, 7.0]))
    assert math.isnan(ls.residual_sd) and np.isnan(ls.standard_errors).all()
    assert ls.loss < 1e-20  # the cubic goes through all four points


def test_the_critical_rate_is_not_called_frozen() -> None:
    X = np.array([[-1.0], [1.0]])
    analysis = analyze(X, np.array([0.0, 2.0]))  # H = 2 I: critical rate 1, rho = -1 there
    p = predict_run(analysis, 1.0, np.zeros(2), 1e-3)
    np.testing.assert_allclose(p.rates, 1.0, rtol=1e-14)  # |1 - lr lambda| = |-1|
    assert p.frozen == 0
