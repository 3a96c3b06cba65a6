"""The range test: its steps against the closed form of a gradient step, its smoothing and
stopping rule against hand-computed values, and its suggestions on a curve made to order."""

from __future__ import annotations

import numpy as np
import pytest

from gdlab.core.lrfind import (
    RangeTest,
    check_range,
    range_test,
    rates,
    smooth,
    stop_reason,
    suggest,
)
from gdlab.core.optimizers import SGD

# y = 3x + 2 exactly, so the optimum is w = 3, b = 2 with loss 0.
X = np.array([[0.0], [1.0], [2.0]])
Y = np.array([2.0, 5.0, 8.0])


def test_rates_grow_by_one_factor_from_start_to_end() -> None:
    lr = rates(0.01, 5.12, 10)
    assert lr[0] == 0.01 and lr[-1] == pytest.approx(5.12, rel=1e-15)
    np.testing.assert_allclose(lr[1:] / lr[:-1], 2.0, rtol=1e-14)


# (step, lr, w, b, loss after the step), worked by hand from w = b = 0:
# step 1: grad_w = (2/3)(0·-2 + 1·-5 + 2·-8) = -14, grad_b = (2/3)(-15) = -10
# step 2 from (0.14, 0.1): residuals -1.9, -4.76, -7.62: grad_w = (2/3)(-20), grad_b = -9.52
HAND_STEPS = [
    (1, 0.01, 0.14, 0.1, (1.9**2 + 4.76**2 + 7.62**2) / 3),
    (2, 0.02, 0.14 + 0.02 * 40 / 3, 0.1 + 0.02 * 9.52, 22.998820456296297),
]


@pytest.mark.parametrize(("step", "lr", "w", "b", "loss"), HAND_STEPS)
def test_the_first_steps_are_gradient_steps_worked_by_hand(
    step: int, lr: float, w: float, b: float, loss: float
) -> None:
    test = range_test(X, Y, SGD(lr=1.0), 0.01, 5.12, 10)  # the rates double: 0.01, 0.02 ...
    assert test.lr[step - 1] == pytest.approx(lr, rel=1e-14)
    assert test.loss[step - 1] == pytest.approx(loss, rel=1e-12)
    # And w, b themselves: the loss after the step is the loss at (w, b).
    assert test.loss[step - 1] == pytest.approx(np.mean((w * X[:, 0] + b - Y) ** 2), rel=1e-12)


def test_every_step_follows_the_quadratic_closed_form() -> None:
    """e <- (I - lr_k H) e per step, loss = L* + e^T H e / 2: an oracle that never predicts."""
    rng = np.random.default_rng(3)
    Xr = rng.uniform(0, 3, size=(20, 1))
    y = 1.5 * Xr[:, 0] - 0.5 + rng.normal(0, 0.3, 20)
    A = np.column_stack([Xr, np.ones(20)])
    theta_ls = np.linalg.lstsq(A, y, rcond=None)[0]
    H = (2 / 20) * A.T @ A
    loss_star = float(np.mean((A @ theta_ls - y) ** 2))
    test = range_test(Xr, y, SGD(lr=1.0), 1e-3, 0.3, 12)
    e, expected = -theta_ls, []
    for lr in test.lr:
        e = (np.eye(2) - lr * H) @ e
        expected.append(loss_star + 0.5 * e @ H @ e)
    np.testing.assert_allclose(test.loss, expected, rtol=1e-10)
    assert test.initial_loss == pytest.approx(float(np.mean(y**2)))


# (losses, beta, smoothed) by hand: avg_i = beta avg + (1 - beta) loss_i, over 1 - beta^i.
SMOOTHING = [
    ([10.0, 20.0, 30.0], 0.5, [10.0, 12.5 / 0.75, 21.25 / 0.875]),
    ([1.0, 3.0], 0.98, [1.0, (0.98 * 0.02 + 0.02 * 3) / (1 - 0.98**2)]),
    ([4.0, 4.0, 4.0, 4.0], 0.98, [4.0, 4.0, 4.0, 4.0]),  # a constant stays itself
]


@pytest.mark.parametrize(("losses", "beta", "expected"), SMOOTHING)
def test_smoothing_is_the_bias_corrected_moving_average(
    losses: list[float], beta: float, expected: list[float]
) -> None:
    np.testing.assert_allclose(smooth(np.array(losses), beta), expected, rtol=1e-14)


def test_the_test_smooths_as_smooth_does() -> None:
    test = range_test(X, Y, SGD(lr=1.0), 1e-4, 1.0, 20)
    np.testing.assert_array_equal(test.smoothed, smooth(test.loss))


# (loss, smoothed, best smoothed so far, reason): fastai's rule, 4x the best or not finite.
STOPS = [
    (5.0, 3.9, 1.0, "completed"),
    (5.0, 4.0, 1.0, "completed"),  # at exactly 4x it goes on
    (5.0, 4.1, 1.0, "diverged"),
    (np.inf, 2.0, 1.0, "not finite"),
    (np.nan, 2.0, 1.0, "not finite"),
    (1.0, np.inf, 1.0, "not finite"),
]


@pytest.mark.parametrize(("loss", "smoothed", "best", "reason"), STOPS)
def test_stop_reason(loss: float, smoothed: float, best: float, reason: str) -> None:
    assert stop_reason(loss, smoothed, best) == reason


def test_the_test_stops_at_the_first_step_past_four_times_the_best() -> None:
    test = range_test(X, Y, SGD(lr=1.0), 1e-3, 100.0, 200)
    assert test.stopped == "diverged" and len(test.lr) < 200
    best_before = np.minimum.accumulate(test.smoothed)
    assert test.smoothed[-1] > 4 * best_before[-1]
    assert (test.smoothed[:-1] <= 4 * best_before[:-1]).all()


def test_a_loss_that_overflows_stops_the_test_at_once() -> None:
    test = range_test(X * 1e100, Y, SGD(lr=1.0), 1e10, 1e12, 10)
    assert test.stopped == "not finite" and len(test.lr) == 1


def test_mini_batches_step_on_one_shuffled_batch_each() -> None:
    test = range_test(
        X, Y, SGD(lr=1.0), 0.01, 5.12, 10, batch_size=2, shuffle=np.random.default_rng(7)
    )
    rows = np.random.default_rng(7).permutation(3)[:2]
    r = -Y[rows]  # residuals at w = b = 0
    w, b = -0.01 * (2 / 2) * (X[rows, 0] @ r), -0.01 * (2 / 2) * r.sum()
    assert test.loss[0] == pytest.approx(np.mean((w * X[:, 0] + b - Y) ** 2), rel=1e-12)


def _made(smoothed: list[float]) -> RangeTest:
    lr = 1e-3 * 1.5 ** np.arange(len(smoothed))
    curve = np.array(smoothed)
    return RangeTest(lr, curve, curve, curve[0], len(smoothed), "completed")


def test_suggestions_are_fastais_steepest_fall_and_a_tenth_of_the_minimum() -> None:
    # 20 steps: the first 2 (a tenth) and last 5 are left out, so index 0's cliff and
    # index 18's low point are not seen; the steepest fall kept is 6 -> 7, the lowest 12.
    curve = [100, 50, 9, 8.5, 8, 7.5, 7, 3, 2.9, 2.8, 2.7, 2.6, 2.0, 2.5, 3, 3, 3, 3, 0.1, 3]
    test = _made([float(v) for v in curve])
    found = suggest(test)
    assert found.steepest == test.lr[6]
    assert found.minimum == test.lr[12] and found.minimum_over_10 == test.lr[12] / 10


def test_too_few_losses_or_a_loss_that_only_rises_suggest_no_steepest_fall() -> None:
    assert suggest(_made([1.0])).steepest is None
    test = _made([2.0, 1.0])
    assert suggest(test).steepest == test.lr[0]  # all kept when the window is empty
    rising = suggest(_made([1.0, 2.0, 4.0]))
    assert rising.steepest is None and rising.minimum_over_10 == 1e-4


@pytest.mark.parametrize(
    ("start", "end", "steps", "says"),
    [
        (1.0, 1.0, 100, "must be below"),
        (1.0, 0.1, 100, "must be below"),
        (0.0, 1.0, 100, "--start = 0"),
        (1e-6, np.inf, 100, "--end = inf"),
        (1e-6, 1.0, 9, "--steps = 9"),
    ],
)
def test_bad_ranges_are_refused_in_one_line(
    start: float, end: float, steps: int, says: str
) -> None:
    with pytest.raises(ValueError, match=says) as caught:
        check_range(start, end, steps)
    assert "\n" not in str(caught.value)
