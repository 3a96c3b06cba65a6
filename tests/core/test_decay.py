"""Weight decay's theory against gdlab's own runs with decay, plain and with momentum."""

from __future__ import annotations

import numpy as np
import pytest

from gdlab.core.decay import ridge_offsets
from gdlab.core.momentum import predict_momentum
from gdlab.core.theory import analyze, predict_run
from tests.core.runs import assert_seen_as_predicted, real_run

# (data, lr, beta, wd): the seed's ridge optimum is 0.0031 wd / 1e-3 from least squares, so
# 1e-4 comes within tol 1e-3 (later than without decay), 1e-3 only for w, 1e-2 never.
CASES = [
    ([], 0.005, 0.0, 1e-4),  # 3,289 epochs (3,130 without decay)
    ([], 0.005, 0.9, 1e-4),
    ([], 0.005, 0.0, 1e-3),  # w from 2,569; b and the whole never
    ([], 0.005, 0.9, 1e-3),
    ([], 0.005, 0.0, 1e-2),  # never: the ridge optimum is 0.031 from least squares
    ([], 0.005, 0.9, 1e-2),
    ([], 0.04, 0.0, 1e-4),  # diverges: first inf 799
    ([], 0.2, 0.9, 1e-4),  # diverges: first inf 148
    ([], 0.03, 0.0, 10.0),  # converges without decay (519 epochs); with it inf at 1,819
    ([], 0.055, 0.9, 10.0),  # converges without decay (177 epochs); with it inf at 754
    (["data.true_w=[3,-1]", "training.init_w=[0]"], 0.01, 0.8, 1e-5),
    (["data.standardize=true"], 0.3, 0.0, 1e-4),
    (["model.intercept=false"], 0.002, 0.6, 1e-5),
]


@pytest.mark.parametrize(("data", "lr", "beta", "wd"), CASES)
def test_predictions_are_what_runs_with_weight_decay_observe(
    data: list[str], lr: float, beta: float, wd: float
) -> None:
    name = "momentum" if beta else "gd"
    config, problem, history, theta0 = real_run(
        *data,
        f"optimizer.name={name}",
        f"optimizer.lr={lr}",
        f"optimizer.momentum={beta}",
        f"optimizer.weight_decay={wd}",
    )
    a = problem.trained
    offsets = ridge_offsets(a.eigenvalues, a.eigenvectors, a.theta_ls, wd)
    if beta:
        coeffs = a.eigenvectors.T @ (theta0 - a.theta_ls) - offsets
        spectrum = (a.eigenvalues, a.eigenvectors)
        p = predict_momentum(
            *spectrum, coeffs, lr, beta, 1e-3, False, (a.n_samples, a.signs), wd, offsets
        )
    else:
        p = predict_run(a, lr, theta0, 1e-3, weight_decay=wd)  # type: ignore[assignment]
    assert_seen_as_predicted(p, history, a)


def test_the_offsets_lead_to_the_ridge_optimum_solved_directly() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 2)) + 2.0
    y = X @ np.array([1.5, -0.5]) + 0.7 + rng.normal(size=30)
    a, wd = analyze(X, y), 0.3
    ridge = np.linalg.solve(a.hessian + wd * np.eye(3), a.hessian @ a.theta_ls)
    offsets = ridge_offsets(a.eigenvalues, a.eigenvectors, a.theta_ls, wd)
    np.testing.assert_allclose(a.theta_ls + a.eigenvectors @ offsets, ridge, rtol=1e-12)
    assert not ridge_offsets(a.eigenvalues, a.eigenvectors, a.theta_ls, 0.0).any()


def test_decay_can_make_a_converging_rate_diverge() -> None:
    # 2 / (lambda_max + wd) < lr < 2 / lambda_max: stable without decay, not with it
    a = analyze(np.array([[0.0], [1.0], [2.0]]), np.array([1.0, 2.0, 4.0]))
    lr = 2.0 / float(a.eigenvalues[-1] + 0.5)
    assert predict_run(a, lr, np.zeros(2), 1e-3).outcome == "converges"
    assert predict_run(a, lr, np.zeros(2), 1e-3, weight_decay=1.0).outcome == "diverges"
