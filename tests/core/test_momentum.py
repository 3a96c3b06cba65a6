"""Momentum's theory against gdlab's own momentum runs, and the 2x2 algebra worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from gdlab.core.momentum import (
    critical_damping_beta,
    critical_damping_lr,
    matrices,
    optimal_pair,
    predict_momentum,
    roots,
)
from tests.core.runs import assert_seen_as_predicted, real_run

# (data, lr, beta, nesterov): converging and diverging, heavy ball and Nesterov, several data.
CASES = [
    ([], 0.005, 0.9, False),
    ([], 0.005, 0.9, True),
    ([], 0.001, 0.99, False),  # first within at 984, out again, for good from 1,623
    ([], 0.05, 0.9, False),  # above plain descent's critical 0.0314: momentum still converges
    ([], 0.1, 0.9, False),
    ([], 0.045, 0.5, True),
    (["data.true_w=[3,-1]", "training.init_w=[0]"], 0.01, 0.8, False),
    (["data.standardize=true"], 0.3, 0.7, True),
    (["model.intercept=false"], 0.002, 0.6, False),
]


@pytest.mark.parametrize(("data", "lr", "beta", "nesterov"), CASES)
def test_predictions_are_what_momentum_runs_observe(
    data: list[str], lr: float, beta: float, nesterov: bool
) -> None:
    config, problem, history, theta0 = real_run(
        *data,
        "optimizer.name=momentum",
        f"optimizer.lr={lr}",
        f"optimizer.momentum={beta}",
        f"optimizer.nesterov={str(nesterov).lower()}",
    )
    a = problem.trained
    coeffs = a.eigenvectors.T @ (theta0 - a.theta_ls)
    p = predict_momentum(
        a.eigenvalues, a.eigenvectors, coeffs, lr, beta, 1e-3, nesterov, (a.n_samples, a.signs)
    )
    assert_seen_as_predicted(p, history, a)


def test_the_stability_edges_are_where_a_root_reaches_minus_one() -> None:
    lam, beta = np.array([4.0]), 0.6
    for nesterov, edge in (
        (False, 2 * (1 + beta) / 4.0),
        (True, 2 * (1 + beta) / ((1 + 2 * beta) * 4.0)),
    ):
        inside = np.abs(roots(matrices(lam, edge * 0.999, beta, nesterov))).max()
        outside = np.abs(roots(matrices(lam, edge * 1.001, beta, nesterov))).max()
        assert inside < 1 < outside


def test_critical_damping_is_a_double_root_and_above_it_the_roots_are_complex() -> None:
    lam, lr = np.array([0.465, 63.7]), 0.005
    beta_c = critical_damping_beta(lam, lr)
    for i, b in enumerate(beta_c):
        z = roots(matrices(lam[i : i + 1], lr, float(b), False))[0]
        assert abs(z[0] - z[1]) < 1e-6  # one root, twice
        above = roots(matrices(lam[i : i + 1], lr, float(b) + 0.01, False))[0]
        assert abs(above[0].imag) > 0 and abs(abs(above[0]) - np.sqrt(b + 0.01)) < 1e-12


@pytest.mark.parametrize("nesterov", [False, True])
def test_the_critical_damping_rates_are_double_roots_with_complex_ones_between(
    nesterov: bool,
) -> None:
    lam, betas = 63.7, np.array([0.1, 0.5, 0.9])
    low, high = critical_damping_lr(lam, betas, nesterov)
    for lr_low, lr_high, b in zip(low, high, betas, strict=True):
        for lr in (lr_low, lr_high):
            z = roots(matrices(np.array([lam]), float(lr), float(b), nesterov))[0]
            assert abs(z[0] - z[1]) < 1e-6  # one root, twice
        middle = roots(matrices(np.array([lam]), float(lr_low + lr_high) / 2, float(b), nesterov))
        assert abs(middle[0, 0].imag) > 0
    if not nesterov:  # the same curve as critical_damping_beta, read the other way
        assert critical_damping_beta(np.array([lam]), float(low[1])) == pytest.approx(betas[1])


def test_the_optimal_pair_shrinks_every_direction_by_the_same_factor() -> None:
    lam = np.array([0.465, 63.7])  # the seed's data: condition number 137
    lr, beta = optimal_pair(lam)
    kappa = lam[1] / lam[0]
    assert beta == pytest.approx(((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)) ** 2)
    rates = np.abs(roots(matrices(lam, lr, beta, False))).max(axis=1)
    assert rates == pytest.approx([np.sqrt(beta)] * 2, rel=1e-6)
    plain = (kappa - 1) / (kappa + 1)  # plain descent at its best rate
    # the epochs it needs: sqrt(kappa) times fewer than plain descent's best
    assert np.log(rates[0]) / np.log(plain) == pytest.approx(np.sqrt(kappa), rel=0.05)


def test_an_answer_far_below_the_bound_is_found_window_by_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Windows of 8 epochs instead of 4 million: the same answers, found further back."""
    import gdlab.core.swings as swings

    lam = np.array([0.4651508582609513, 63.73762650007789])  # the seed's data
    V = np.array([[-0.16, 0.987], [0.987, 0.16]])
    V /= np.linalg.norm(V, axis=0)
    coeffs, no_overflow = np.array([-2.3, -2.6]), (100, None)
    cases = [(0.0005, 0.9), (0.001, 0.99), (0.002, 0.5)]
    whole = [predict_momentum(lam, V, coeffs, lr, b, 1e-3, False, no_overflow) for lr, b in cases]  # type: ignore[arg-type]
    windows = []
    real = swings._last_outside
    monkeypatch.setattr(swings, "_last_outside", lambda *a: windows.append(1) or real(*a))
    monkeypatch.setattr(swings, "_SCAN", 8)
    monkeypatch.setattr(swings, "_WINDOWS", 1_000_000)
    for (lr, b), expected in zip(cases, whole, strict=True):
        p = predict_momentum(lam, V, coeffs, lr, b, 1e-3, False, no_overflow)  # type: ignore[arg-type]
        assert (p.epochs_to_tol, p.epochs_to_tol_per_param) == (
            expected.epochs_to_tol,
            expected.epochs_to_tol_per_param,
        )
    assert len(windows) > 3 * len(cases)  # each answer lay windows back from the bound's


def test_a_root_that_rounds_to_one_is_frozen_not_diverging() -> None:
    lam = np.array([0.465, 63.7])
    p = predict_momentum(lam, np.eye(2), np.array([1.0, 1.0]), 1e-18, 0.5, 1e-3, False, (100, None))  # type: ignore[arg-type]
    assert p.outcome == "converges" and p.frozen == 2 and p.epochs_to_tol is None
    assert p.first_inf_epoch is None
