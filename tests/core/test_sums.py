"""The data's sums against the four functions of model.py: the same loss, gradients and runs."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from gdlab.core.data import make_linear_data
from gdlab.core.model import gradients, loss, predict
from gdlab.core.optimizers import SGD, Adam, Optimizer
from gdlab.core.sums import BY_MATRIX_FROM, Stacked, SufficientStats
from gdlab.core.train import train

# (what differs, optimizer, n_samples, seed, x range, true w)
CASES: list[tuple[str, Callable[[], Optimizer], int, int, tuple[float, float], list[float]]] = [
    ("seed", lambda: SGD(0.005), 100, 42, (0, 10), [3.0]),
    ("slow, more data", lambda: SGD(0.001), 1000, 3, (0, 10), [3.0]),
    ("centred x", lambda: SGD(0.03), 100, 42, (-5, 5), [3.0]),
    ("diverges", lambda: SGD(0.1), 100, 42, (0, 10), [3.0]),
    ("diverges, other data", lambda: SGD(0.05), 100, 9, (0, 10), [3.0]),
    ("three features", lambda: SGD(0.002), 100, 42, (0, 3), [1.0, -2.0, 0.5]),
    ("adam", lambda: Adam(0.05), 100, 42, (0, 10), [3.0]),
    ("momentum", lambda: SGD(0.004, momentum=0.9), 100, 42, (0, 10), [3.0]),
    # Eight weights and more: by matrix (BY_MATRIX_FROM), R's lower triangle in the sums.
    ("eight features", lambda: SGD(0.002), 100, 5, (0, 3), [1.0, -2.0, 0.5, 0, 1, 2, -1, 3]),
    ("eight features, diverges", lambda: SGD(0.08), 100, 5, (0, 3), [1.0] * 8),
]


@pytest.mark.parametrize(("name", "make", "n", "seed", "x_range", "true_w"), CASES)
def test_the_sums_follow_the_four_functions(
    name: str,
    make: Callable[[], Optimizer],
    n: int,
    seed: int,
    x_range: tuple[float, float],
    true_w: list[float],
) -> None:
    X, y = make_linear_data(n, *x_range, true_w, 2.0, 1.0, np.random.default_rng(seed))
    a = train(X, y, make(), 3000, sums=SufficientStats(X, y))
    b = train(X, y, make(), 3000)
    assert a.status == b.status
    for first_a, first_b in (
        (a.first_inf_epoch, b.first_inf_epoch),
        (a.first_nan_epoch, b.first_nan_epoch),
    ):
        assert (first_a is None) == (first_b is None)
        if first_a is not None and first_b is not None:
            assert abs(first_a - first_b) <= 2
    # Before any divergence the trajectories agree to 1e-12, relative.
    stop = a.first_inf_epoch if a.first_inf_epoch is not None else len(a.epoch)
    stop = min(stop, len(b.epoch))
    theta_a = np.column_stack([a.w, a.b])[:stop]
    theta_b = np.column_stack([b.w, b.b])[:stop]
    scale = np.maximum(np.abs(theta_b), 1e-300)
    assert np.max(np.abs(theta_a - theta_b) / np.maximum(scale, 1.0)) < 1e-12


@pytest.mark.parametrize("d", [2, BY_MATRIX_FROM - 2, BY_MATRIX_FROM - 1, 100])
def test_sums_give_the_seed_functions_loss_and_gradient(d: int) -> None:
    rng = np.random.default_rng(4)
    X = rng.uniform(-3, 8, size=(200, d))
    y = X @ rng.normal(size=d) + 2 + rng.normal(size=200)
    sums = SufficientStats(X, y)
    for _ in range(10):
        w, b = rng.normal(size=d) * 5, float(rng.normal() * 5)
        current, grad_w, grad_b = sums.loss_and_gradients(w, b)
        y_hat = predict(X, w, b)
        ref_w, ref_b = gradients(X, y, y_hat)
        assert current == pytest.approx(loss(y_hat, y), rel=1e-12)
        np.testing.assert_allclose(grad_w, ref_w, rtol=1e-10, atol=1e-10)
        assert grad_b == pytest.approx(ref_b, rel=1e-10, abs=1e-10)


def _stats(d: int, seed: int) -> SufficientStats:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 5, size=(2 * d + 10, d)) * rng.uniform(0.5, 4, size=d)
    return SufficientStats(X, X @ rng.normal(size=d) + 1 + rng.normal(size=len(X)))


@pytest.mark.parametrize("d", [1, BY_MATRIX_FROM - 2, BY_MATRIX_FROM - 1, 20, 100])
def test_a_run_gives_the_same_bits_alone_and_stacked(d: int) -> None:
    # Each way of summing (term by term below BY_MATRIX_FROM parameters, by matrix
    # from it), on other data or on shared data (one matrix for all), near the optimum,
    # far from it, overflowing and with a parameter already inf.
    apart = [_stats(d, seed) for seed in (1, 2, 3)]
    rng = np.random.default_rng(d)
    for stats in (apart, [apart[0]] * 3):
        stacked = Stacked(stats)
        theta_star = np.array([s.theta_star for s in stats]).T
        for scale in (1e-6, 1.0, 1e3, 1e160):
            theta = theta_star + scale * rng.normal(size=theta_star.shape)
            theta[0, 2] = np.inf if scale == 1e160 else theta[0, 2]
            out, loss = np.empty((2 * (d + 1), 3)), np.empty(3)
            with np.errstate(over="ignore", invalid="ignore"):
                stacked.evaluate(theta, out, out[: d + 1], out[d + 1 :], loss)
                for k, sums in enumerate(stats):
                    alone, grad_w, grad_b = sums.loss_and_gradients(theta[:-1, k], theta[-1, k])
                    assert np.float64(alone).tobytes() == loss[k].tobytes()
                    assert np.append(grad_w, grad_b).tobytes() == out[: d + 1, k].tobytes()
