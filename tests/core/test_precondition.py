"""Newton's step, the diagonal preconditioner and the four ways, against independent oracles:
numpy.linalg.lstsq, numpy.linalg.eigvals of D^-1 H, and a run's own trajectory."""

from __future__ import annotations

import numpy as np
import pytest

from gdlab.core.data import make_linear_data
from gdlab.core.lstsq import design_matrix
from gdlab.core.optimizers import SGD, Newton
from gdlab.core.precondition import (
    compare_ways,
    diagonally_preconditioned,
    hessian_root,
    jacobi,
    recommend,
)
from gdlab.core.theory import analyze, hessian, observe, predict_run
from gdlab.core.train import train
from tests.conftest import REPO


def _data(true_w: list[float], x_max: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    return make_linear_data(40, 0.0, x_max, true_w, 2.0, 1.0, np.random.default_rng(7))


DATA = [
    ("one feature", *_data([3.0]), True),
    ("two features", *_data([1.5, -2.0]), True),
    ("far from zero (kappa ~ 1e6)", *_data([0.5], x_max=1000.0), True),
    ("through the origin", *_data([1.5, -2.0]), False),
]


@pytest.mark.parametrize(("name", "X", "y", "intercept"), DATA, ids=[d[0] for d in DATA])
def test_newton_at_lr_1_lands_on_lstsq_in_one_step(
    name: str, X: np.ndarray, y: np.ndarray, intercept: bool
) -> None:
    history = train(X, y, Newton(1.0, hessian_root(X, intercept)), 2, intercept=intercept)
    expected, *_ = np.linalg.lstsq(design_matrix(X, intercept), y, rcond=None)
    theta = np.append(history.w[1], history.b[1]) if intercept else history.w[1]
    np.testing.assert_allclose(theta, expected, rtol=1e-9, atol=1e-9)
    if not intercept:
        assert history.b[1] == 0.0  # b is no parameter: Newton leaves it where it starts


def test_newton_at_lr_half_halves_the_error_every_step() -> None:
    X, y = DATA[1][1], DATA[1][2]
    theta_star, *_ = np.linalg.lstsq(design_matrix(X), y, rcond=None)
    history = train(X, y, Newton(0.5, hessian_root(X)), 6)
    error = np.linalg.norm(np.column_stack([history.w, history.b]) - theta_star, axis=1)
    np.testing.assert_allclose(error[1:] / error[:-1], 0.5, rtol=1e-7)


def test_the_hessian_root_squares_to_the_hessian() -> None:
    X = DATA[1][1]
    U = hessian_root(X)
    np.testing.assert_allclose(U.T @ U, hessian(X), rtol=1e-12)
    assert np.allclose(U, np.triu(U))


@pytest.mark.parametrize(("name", "X", "y", "intercept"), DATA, ids=[d[0] for d in DATA])
def test_diagonal_spectrum_is_that_of_d_inverse_h(
    name: str, X: np.ndarray, y: np.ndarray, intercept: bool
) -> None:
    H = hessian(X, intercept=intercept)
    oracle = np.sort(np.linalg.eigvals(H / np.diag(H)[:, None]).real)  # D^-1 H, not symmetric
    found = diagonally_preconditioned(X, y, intercept)
    np.testing.assert_allclose(found.eigenvalues, oracle, rtol=1e-8)
    assert np.sum(found.eigenvalues) == pytest.approx(H.shape[0])  # trace of M: unit diagonal


def test_a_preconditioned_run_converges_in_the_predicted_epochs() -> None:
    # Measured in u = D^(1/2) theta, where the run is plain descent on M's bowl.
    X, y = DATA[1][1], DATA[1][2]
    effective = diagonally_preconditioned(X, y)
    lr = 0.9 * effective.critical_lr
    history = train(X, y, SGD(lr, scale=jacobi(X)), 3000)
    root = np.sqrt(jacobi(X))
    u = np.column_stack([history.w, history.b]) / root
    predicted = predict_run(effective, lr, np.zeros(3), 1e-6)
    observed = observe(history.epoch, u, effective.theta_ls, 1e-6)
    assert predicted.epochs_to_tol is not None and predicted.epochs_to_tol > 10
    assert observed.epochs_to_tol == predicted.epochs_to_tol
    np.testing.assert_allclose(u[-1] * root, analyze(X, y).theta_ls, atol=1e-9)


def test_the_four_ways_on_a_line_worked_by_hand() -> None:
    # x = [1, 3]: H = [[10, 4], [4, 2]]. Standardized, H = 2 I: one epoch at lr 0.5.
    # Diagonal: M = [[1, 4/sqrt(20)], [4/sqrt(20), 1]], eigenvalues 1 -+ 0.894, so its
    # condition number is (1 + 0.894) / (1 - 0.894) and its best rate 2 / 2 = 1.
    X, y = np.array([[1.0], [3.0]]), np.array([2.0, 5.0])
    ways = compare_ways(X, y, np.zeros(2), 1e-3, analyze(X, y))
    by_name = {w.name: w for w in ways}
    c = 4 / np.sqrt(20)
    assert by_name["raw"].condition_number == pytest.approx((6 + np.sqrt(32)) / (6 - np.sqrt(32)))
    assert by_name["standardized"].epochs_to_tol == 1
    assert by_name["diagonal"].condition_number == pytest.approx((1 + c) / (1 - c))
    assert by_name["diagonal"].best_lr == pytest.approx(1.0)
    assert (by_name["newton"].critical_lr, by_name["newton"].epochs_to_tol) == (2.0, 1)
    best, words = recommend(ways)
    assert best.name == "standardized"  # ties with Newton, whose epoch costs a solve
    assert words.startswith("standardized: 1 epoch at lr = 0.5") and "newton as few" in words


def test_newton_in_one_epoch_is_promised_only_where_float64_can_keep_it() -> None:
    """Raw Longley: eps sqrt(kappa) of the start is above the tolerance, so Newton's one
    epoch is exact arithmetic's and standardizing is recommended; raw Filip: nothing reaches
    the tolerance in float64 and the roundest bowl is named, without a crash."""
    from gdlab.record.build import load_data, prepare
    from gdlab.record.config import load_config

    for name, expected in (("longley", "standardized"), ("filip", "standardized")):
        config = load_config(REPO / "configs" / "nist" / f"{name}.yaml", ["data.standardize=false"])
        problem = prepare(config, *load_data(config))
        theta0 = problem.trained.stack(np.array(config.initial_w()), config.training.init_b)
        X, y = problem.X, problem.y
        ways = compare_ways(X, y, theta0, config.theory.tol, problem.trained, True)
        newton = next(w for w in ways if w.name == "newton")
        assert newton.exact_only
        best, why = recommend(ways)
        assert best.name == expected, why
