"""The error along each eigenvector, predicted: against arithmetic by hand and real runs."""

from __future__ import annotations

import numpy as np
import pytest

from gdlab.core.data import make_linear_data
from gdlab.core.modes import mode_errors
from gdlab.core.optimizers import SGD
from gdlab.core.theory import analyze
from gdlab.core.train import train

EPOCHS = np.arange(4)

# (case, eigenvalues, c0, lr, momentum settings, c(0..3) along each direction, by hand)
CASES = [
    # rho = 1 - 0.25 * 0.5 = 0.875 and 1 - 0.25 * 2 = 0.5
    ("plain, two directions", [0.5, 2.0], [1.0, -4.0], 0.25, {},
     [[1, 0.875, 0.765625, 0.669921875], [-4, -2, -1, -0.5]]),
    # rho = 1 - 0.25 * 10 = -1.5: each step lands on the other side, 1.5 times farther
    ("plain, diverging", [10.0], [2.0], 0.25, {}, [[2, -3, 4.5, -6.75]]),
    # lambda 2, lr 0.1, beta 0.5. buf: 2, then 0.5*2 + 1.6 = 2.6, then 0.5*2.6 + 1.08 = 2.38
    ("heavy ball", [2.0], [1.0], 0.1, {"momentum": 0.5}, [[1, 0.8, 0.54, 0.302]]),
    # dampening 0.5 spares the first step: buf 2, then 1 + 0.8 = 1.8, then 0.9 + 0.62 = 1.52
    ("dampened", [2.0], [1.0], 0.1, {"momentum": 0.5, "dampening": 0.5}, [[1, 0.8, 0.62, 0.468]]),
    # step = g + beta buf: 2 + 1 = 3; then buf 1 + 1.4 = 2.4, step 1.4 + 1.2 = 2.6;
    # then g = 0.88, buf 1.2 + 0.88 = 2.08, step 0.88 + 1.04 = 1.92
    ("nesterov", [2.0], [1.0], 0.1, {"momentum": 0.5, "nesterov": True}, [[1, 0.7, 0.44, 0.248]]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("eigenvalues", "c0", "lr", "settings", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_first_epochs_worked_by_hand(
    eigenvalues: list[float],
    c0: list[float],
    lr: float,
    settings: dict[str, float],
    expected: list[list[float]],
) -> None:
    got = mode_errors(np.array(eigenvalues), np.array(c0), lr, EPOCHS, **settings)  # type: ignore[arg-type]
    np.testing.assert_allclose(got, np.array(expected).T, rtol=1e-12)


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"momentum": 0.9},
        {"momentum": 0.8, "dampening": 0.3},
        {"momentum": 0.9, "nesterov": True},
    ],
    ids=["plain", "heavy ball", "dampened", "nesterov"],
)
def test_predicted_modes_match_a_run_projected_on_the_eigenvectors(
    settings: dict[str, float],
) -> None:
    # Two features, every 7th epoch logged: gdlab's own training is the oracle.
    X, y = make_linear_data(50, 0, 4, [1.5, -2.0], 1.0, 0.5, np.random.default_rng(3))
    analysis, lr = analyze(X, y), 0.02
    history = train(X, y, SGD(lr, **settings), 400, log_every=7)  # type: ignore[arg-type]
    thetas = analysis.stack(history.w, history.b[:, None]) - analysis.theta_ls
    measured = thetas @ analysis.eigenvectors
    predicted = mode_errors(
        analysis.eigenvalues,
        measured[0],
        lr,
        history.epoch,
        **settings,  # type: ignore[arg-type]
    )
    scale = float(np.abs(measured[0]).max())
    np.testing.assert_allclose(predicted, measured, rtol=1e-7, atol=1e-11 * scale)


def test_a_diverging_direction_overflows_quietly_and_a_still_one_stays_still() -> None:
    # filterwarnings turns a RuntimeWarning into an error: overflow must not warn.
    far = np.array([0, 10, 5000])
    plain = mode_errors(np.array([1.0, 100.0]), np.array([0.0, 1.0]), 0.1, far)
    assert plain[-1, 1] == np.inf and np.all(plain[:, 0] == 0)
    heavy = mode_errors(np.array([1.0, 100.0]), np.array([0.0, 1.0]), 0.1, far, momentum=0.9)
    assert not np.isfinite(heavy[-1, 1]) and np.all(heavy[:, 0] == 0)
