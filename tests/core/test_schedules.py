"""Each schedule's first rates, worked out by hand from torch.optim.lr_scheduler's formulas,
and the loop using them: one rate per epoch, for every step of that epoch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdlab.core import model
from gdlab.core.optimizers import SGD
from gdlab.core.scheduled import log_products
from gdlab.core.schedules import Schedule, rates
from gdlab.core.train import train

# (schedule, lr, the rates of epochs 0, 1, 2, ... by hand)
CASES = [
    # StepLR: 0.1 for epochs 0-1, then 0.1 * 0.5, then 0.1 * 0.25
    (Schedule("step", step_size=2, gamma=0.5), 0.1, [0.1, 0.1, 0.05, 0.05, 0.025]),
    # ExponentialLR: 0.2 * 0.5^k
    (Schedule("exponential", gamma=0.5), 0.2, [0.2, 0.1, 0.05, 0.025]),
    # ExponentialLR may grow: torch does not forbid gamma > 1
    (Schedule("exponential", gamma=2.0), 0.1, [0.1, 0.2, 0.4]),
    # CosineAnnealingLR, t_max 4: 0.01 + 0.09 (1 + cos(pi k / 4)) / 2, back up past t_max
    (
        Schedule("cosine", t_max=4, eta_min=0.01),
        0.1,
        [
            0.1,
            0.01 + 0.045 * (1 + math.sqrt(0.5)),
            0.055,
            0.01 + 0.045 * (1 - math.sqrt(0.5)),
            0.01,
            0.01 + 0.045 * (1 - math.sqrt(0.5)),
        ],
    ),
    # LinearLR, torch's defaults: start 1/3 of lr, reach lr after 5 epochs, stay there
    (Schedule("warmup"), 0.3, [0.1, 0.14, 0.18, 0.22, 0.26, 0.3, 0.3]),
    # LinearLR down: from lr to a quarter of it over 2 epochs
    (
        Schedule("warmup", start_factor=1.0, end_factor=0.25, total_iters=2),
        0.4,
        [0.4, 0.25, 0.1, 0.1],
    ),
]


@pytest.mark.parametrize(("schedule", "lr", "expected"), CASES, ids=lambda c: str(c)[:40])
def test_rates_match_the_hand_computed_values(
    schedule: Schedule, lr: float, expected: list[float]
) -> None:
    np.testing.assert_allclose(rates(schedule, lr, len(expected)), expected, rtol=1e-12)


def test_to_dict_holds_only_the_schedules_own_keys() -> None:
    assert Schedule("cosine", t_max=10).to_dict() == {"name": "cosine", "t_max": 10, "eta_min": 0.0}


X, Y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([2.0, 5.0, 8.0, 9.0])


def test_the_loop_steps_with_each_epochs_rate() -> None:
    lrs = np.array([0.1, 0.05, 0.02])
    history = train(X, Y, SGD(lr=99.0), epochs=3, rates=lrs)
    w, b = np.zeros(1), 0.0
    for lr in lrs:  # the seed's own update, by hand, at each epoch's rate
        grad_w, grad_b = model.gradients(X, Y, model.predict(X, w, b))
        w, b = model.update(w, b, grad_w, grad_b, float(lr))
    np.testing.assert_array_equal(history.final_w, w)
    assert history.final_b == b


def test_every_mini_batch_of_an_epoch_uses_that_epochs_rate() -> None:
    seen: list[float] = []

    class Spy(SGD):
        def step(self, w, b, grad_w, grad_b):  # type: ignore[no-untyped-def]
            seen.append(self.lr)
            return super().step(w, b, grad_w, grad_b)

    lrs = np.array([0.1, 0.05])
    train(X, Y, Spy(lr=99.0), epochs=2, batch_size=2, shuffle=np.random.default_rng(0), rates=lrs)
    assert seen == [0.1, 0.1, 0.05, 0.05]


def test_the_products_of_the_factors_are_kept_in_logarithms_with_their_signs() -> None:
    # lambda = 1: 0.9, 0.9 * 0.5, 0.9 * 0.5 * 0.4; lambda = 4: 0.6, 0.6 * -1, 0.6 * -1 * -1.4
    log_size, sign = log_products(np.array([1.0, 4.0]), np.array([0.1, 0.5, 0.6]))
    expected = np.array([[1.0, 1.0], [0.9, 0.6], [0.45, -0.6], [0.18, 0.84]])
    np.testing.assert_allclose(sign * np.exp(log_size), expected, rtol=1e-14)
