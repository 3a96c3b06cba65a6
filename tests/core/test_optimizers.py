"""Each update rule's first steps, worked out by hand from torch.optim's documented formulas.

The gradients are fixed numbers (g1 = 2, g2 = -1, g3 = 0.5) from w = b = 1, so
every expected value below is arithmetic a reader can redo on paper. w and b
get the same gradients, so both must follow the same numbers.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdlab.core.data import make_linear_data
from gdlab.core.lstsq import least_squares
from gdlab.core.optimizers import SGD, Adagrad, Adam, Optimizer, RMSprop
from gdlab.core.train import train

GRADS = [2.0, -1.0, 0.5]


def _walk(optimizer: Optimizer, steps: int) -> list[tuple[float, float]]:
    w, b = np.array([1.0]), 1.0
    out = []
    for g in GRADS[:steps]:
        w, b = optimizer.step(w, b, np.array([g]), g)
        out.append((float(w[0]), b))
    return out


CASES = [
    ("plain gd", SGD(lr=0.1), [1 - 0.1 * 2, 0.8 + 0.1 * 1]),
    # The first momentum step takes the gradient itself: no dampening on it.
    # buf: 2, then 0.9*2 + 0.5*(-1) = 1.3, then 0.9*1.3 + 0.5*0.5 = 1.42
    (
        "momentum, dampening",
        SGD(lr=0.1, momentum=0.9, dampening=0.5),
        [1 - 0.2, 0.8 - 0.13, 0.67 - 0.142],
    ),
    # Nesterov: buf 2, g = 2 + 0.9*2 = 3.8; then buf = 0.9*2 - 1 = 0.8, g = -1 + 0.72 = -0.28
    ("nesterov", SGD(lr=0.1, momentum=0.9, nesterov=True), [1 - 0.38, 0.62 + 0.028]),
    # L2 weight decay goes through the gradient: 2 + 0.1*1 = 2.1
    ("gd, weight decay", SGD(lr=0.1, weight_decay=0.1), [1 - 0.21]),
    # Adam, step 1: m = 0.2, v = 0.004, m_hat = 2, v_hat = 4: 1 - 0.1 * 2 / (2 + eps).
    # Step 2: m = 0.08, v = 0.004996, m_hat = 0.08/0.19, v_hat = 0.004996/0.001999.
    (
        "adam",
        Adam(lr=0.1),
        [
            1 - 0.1 * 2 / (2 + 1e-8),
            1
            - 0.1 * 2 / (2 + 1e-8)
            - 0.1 * (0.08 / 0.19) / (math.sqrt(0.004996 / 0.001999) + 1e-8),
        ],
    ),
    # eps is added after the bias correction: with eps = 1, 1 - 0.1 * 2 / (2 + 1).
    ("adam, eps after the bias correction", Adam(lr=0.1, eps=1.0), [1 - 0.1 * 2 / 3]),
    # AMSGrad keeps the largest raw v: betas (0.9, 0.5): v1 = 0.5*4 = 2, v2 = 0.5*2 + 0.5*1 = 1.5
    # < 2, so step 2 divides by sqrt(2 / (1 - 0.25)); m2 = 0.9*0.2 - 0.1 = 0.08, m_hat = 0.08/0.19.
    (
        "amsgrad",
        Adam(lr=0.1, betas=(0.9, 0.5), amsgrad=True),
        [
            1 - 0.1 * 2 / (2 + 1e-8),
            1 - 0.1 * 2 / (2 + 1e-8) - 0.1 * (0.08 / 0.19) / (math.sqrt(2 / 0.75) + 1e-8),
        ],
    ),
    # Adam's weight decay is L2 (g = 2.1, so m_hat/sqrt(v_hat) = 1): 1 - 0.1.
    ("adam, weight decay", Adam(lr=0.1, weight_decay=0.1), [1 - 0.1 * 2.1 / (2.1 + 1e-8)]),
    # AdamW decays first: 1 * (1 - 0.1*0.1) = 0.99, then the plain Adam step of 0.1.
    ("adamw", Adam(lr=0.1, weight_decay=0.1, decoupled=True), [0.99 - 0.1 * 2 / (2 + 1e-8)]),
    # RMSprop: v = 0.01*4 = 0.04, step 0.01 * 2 / (0.2 + eps)
    ("rmsprop", RMSprop(lr=0.01), [1 - 0.01 * 2 / (0.2 + 1e-8)]),
    # eps outside the square root: with eps = 1, 1 - 0.01 * 2 / (0.2 + 1).
    ("rmsprop, eps outside the root", RMSprop(lr=0.01, eps=1.0), [1 - 0.01 * 2 / 1.2]),
    # centered: g_avg = 0.02, v_tilde = 0.04 - 0.0004
    (
        "rmsprop, centered",
        RMSprop(lr=0.01, centered=True),
        [1 - 0.01 * 2 / (math.sqrt(0.0396) + 1e-8)],
    ),
    # momentum: buf = 2/0.2 = 10; then v = 0.99*0.04 + 0.01 = 0.0496, buf = 9 - 1/sqrt(0.0496)
    (
        "rmsprop, momentum",
        RMSprop(lr=0.01, momentum=0.9),
        [
            1 - 0.01 * 2 / (0.2 + 1e-8),
            1
            - 0.01 * 2 / (0.2 + 1e-8)
            - 0.01 * (0.9 * 2 / (0.2 + 1e-8) - 1 / (math.sqrt(0.0496) + 1e-8)),
        ],
    ),
    # Adagrad: sum 4, then 5; the rate decays to 0.1 / (1 + 1*0.5) on step 2.
    (
        "adagrad",
        Adagrad(lr=0.1, lr_decay=0.5),
        [
            1 - 0.1 * 2 / (2 + 1e-10),
            1 - 0.1 * 2 / (2 + 1e-10) + (0.1 / 1.5) * 1 / (math.sqrt(5) + 1e-10),
        ],
    ),
]


@pytest.mark.parametrize(("name", "optimizer", "expected"), CASES, ids=[c[0] for c in CASES])
def test_first_steps_match_the_formulas(
    name: str, optimizer: Optimizer, expected: list[float]
) -> None:
    walked = _walk(optimizer, len(expected))
    np.testing.assert_allclose([w for w, _ in walked], expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose([b for _, b in walked], expected, rtol=1e-12, atol=1e-14)


def test_plain_gd_is_the_seeds_update_reached_in_one_call(monkeypatch: pytest.MonkeyPatch) -> None:
    from gdlab.core import model

    calls: list[float] = []
    monkeypatch.setattr(model, "update", lambda w, b, gw, gb, lr: calls.append(lr) or (w, b))
    SGD(lr=0.1).step(np.array([1.0]), 1.0, np.array([2.0]), 2.0)
    assert calls == [0.1]


@pytest.mark.parametrize(
    "optimizer",
    [SGD(lr=0.005, momentum=0.9), SGD(lr=0.005, momentum=0.9, nesterov=True), Adam(lr=0.01)],
    ids=["momentum", "nesterov", "adam"],
)
def test_full_batch_momentum_and_adam_reach_least_squares(optimizer: Optimizer) -> None:
    X, y = make_linear_data(100, 0.0, 10.0, [3.0], 2.0, 1.0, np.random.default_rng(42))
    history = train(X, y, optimizer, epochs=10_000)
    ls = least_squares(X, y)
    np.testing.assert_allclose(history.final_w, ls.w, atol=1e-8)
    assert history.final_b == pytest.approx(ls.b, abs=1e-8)
