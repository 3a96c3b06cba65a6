"""The four seed functions against hand-worked cases and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdlab.core.model import gradients, loss, predict, update

# (X, y, w, b, expected loss, expected grad_w, expected grad_b), worked out by hand.
CASES = [
    # y_hat = [0, 0], r = [-1, -2]: L = (1 + 4) / 2, dL/dw = (2/2)(-1 - 4), dL/db = (2/2)(-3)
    ([[1.0], [2.0]], [1.0, 2.0], [0.0], 0.0, 2.5, [-5.0], -3.0),
    # a perfect fit: y = 2x + 1
    ([[1.0], [2.0]], [3.0, 5.0], [2.0], 1.0, 0.0, [0.0], 0.0),
    # one sample: y_hat = 4, r = 4: L = 16, dL/dw = 2 * 3 * 4, dL/db = 2 * 4
    ([[3.0]], [0.0], [1.0], 1.0, 16.0, [24.0], 8.0),
    # two features: y_hat = [1, 1, 2], r = [0, 0, 1]: L = 1/3, dL/dw = (2/3)[1, 1], dL/db = 2/3
    (
        [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
        [1.0, 1.0, 1.0],
        [1.0, 1.0],
        0.0,
        1 / 3,
        [2 / 3, 2 / 3],
        2 / 3,
    ),
    # the intercept alone: y_hat = [-1, -1], r = [-3, -5]: L = 17, dL/db = -8, dL/dw = -(3*0 + 5*2)
    ([[0.0], [2.0]], [2.0, 4.0], [0.0], -1.0, 17.0, [-10.0], -8.0),
]


@pytest.mark.parametrize(("X", "y", "w", "b", "expected_loss", "expected_gw", "expected_gb"), CASES)
def test_loss_and_gradients_match_hand_computed_cases(
    X: list[list[float]],
    y: list[float],
    w: list[float],
    b: float,
    expected_loss: float,
    expected_gw: list[float],
    expected_gb: float,
) -> None:
    X_, y_, w_ = np.array(X), np.array(y), np.array(w)
    y_hat = predict(X_, w_, b)
    grad_w, grad_b = gradients(X_, y_, y_hat)
    assert loss(y_hat, y_) == pytest.approx(expected_loss, abs=1e-12)
    np.testing.assert_allclose(grad_w, expected_gw, atol=1e-12)
    assert grad_b == pytest.approx(expected_gb, abs=1e-12)


def _loss_at(X: np.ndarray, y: np.ndarray, theta: np.ndarray) -> float:
    return loss(predict(X, theta[:-1], float(theta[-1])), y)


@pytest.mark.parametrize("n_features", [1, 2, 4])
def test_gradients_agree_with_central_finite_differences(n_features: int) -> None:
    rng = np.random.default_rng(n_features)
    X = rng.uniform(-3, 3, size=(30, n_features))
    y = rng.normal(size=30)
    eps = 1e-6
    for _ in range(20):
        theta = rng.normal(scale=3, size=n_features + 1)
        grad_w, grad_b = gradients(X, y, predict(X, theta[:-1], float(theta[-1])))
        analytic = np.append(grad_w, grad_b)
        numeric = np.array(
            [
                (_loss_at(X, y, theta + eps * e) - _loss_at(X, y, theta - eps * e)) / (2 * eps)
                for e in np.eye(n_features + 1)
            ]
        )
        relative = np.abs(analytic - numeric) / np.maximum(np.abs(analytic) + np.abs(numeric), 1e-8)
        assert relative.max() < 1e-6


def test_update_steps_against_the_gradient() -> None:
    w, b = update(np.array([1.0, -2.0]), 0.5, np.array([10.0, -4.0]), 2.0, lr=0.1)
    np.testing.assert_allclose(w, [0.0, -1.6])
    assert b == pytest.approx(0.3)


finite = st.floats(-100, 100, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(finite, finite), min_size=2, max_size=20),
    finite,
    finite,
)
def test_loss_is_never_negative_and_a_small_step_never_raises_it(
    points: list[tuple[float, float]], w: float, b: float
) -> None:
    X = np.array([[p[0]] for p in points])
    y = np.array([p[1] for p in points])
    y_hat = predict(X, np.array([w]), b)
    before = loss(y_hat, y)
    assert before >= 0
    grad_w, grad_b = gradients(X, y, y_hat)
    # Below 2 / lambda_max of the Hessian (2/n) A^T A, a step cannot raise the loss;
    # lambda_max <= trace = 2 * mean(x^2 + 1).
    safe_lr = 1.0 / (2 * float(np.mean(X[:, 0] ** 2 + 1)))
    new_w, new_b = update(np.array([w]), b, grad_w, grad_b, safe_lr)
    after = loss(predict(X, new_w, new_b), y)
    assert after <= before * (1 + 1e-9) + 1e-9


def test_gradient_vanishes_at_the_least_squares_solution() -> None:
    rng = np.random.default_rng(7)
    X = rng.uniform(0, 10, size=(50, 2))
    y = X @ np.array([1.5, -0.5]) + 4 + rng.normal(size=50)
    theta, *_ = np.linalg.lstsq(np.column_stack([X, np.ones(50)]), y, rcond=None)
    grad_w, grad_b = gradients(X, y, predict(X, theta[:-1], float(theta[-1])))
    assert np.abs(np.append(grad_w, grad_b)).max() < 1e-9
