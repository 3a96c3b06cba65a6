"""The fast path (the data's sums) against the reference loop (the seed's functions)."""

from __future__ import annotations

import numpy as np
import pytest

from gdlab.core.model import gradients, loss, predict
from gdlab.core.sums import SufficientStats
from gdlab.core.train import train
from gdlab.record.config import load_config
from gdlab.record.runner import load_data

CASES = [
    ["optimizer.lr=0.005"],
    ["optimizer.lr=0.001", "data.n_samples=1000", "data.seed=3"],
    ["optimizer.lr=0.03", "data.x_min=-5", "data.x_max=5"],
    ["optimizer.lr=0.1"],  # diverges
    ["optimizer.lr=0.05", "data.seed=9"],  # diverges
    ["optimizer.lr=0.002", "data.true_w=[1, -2, 0.5]", "data.x_max=3"],
    ["optimizer.name=adam", "optimizer.lr=0.05"],
    ["optimizer.name=momentum", "optimizer.lr=0.004"],
]


@pytest.mark.parametrize("overrides", CASES, ids=[" ".join(c) for c in CASES])
def test_the_fast_path_follows_the_reference_loop(overrides: list[str]) -> None:
    fast = load_config(overrides=[*overrides, "training.epochs=3000"])
    reference = load_config(overrides=[*overrides, "training.epochs=3000", "training.fast=false"])
    X, y = load_data(fast)
    a, b = train(fast, X, y), train(reference, X, y)
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


def test_sums_give_the_seed_functions_loss_and_gradient() -> None:
    rng = np.random.default_rng(4)
    X = rng.uniform(-3, 8, size=(200, 2))
    y = X @ np.array([1.0, -0.5]) + 2 + rng.normal(size=200)
    sums = SufficientStats(X, y)
    for _ in range(10):
        w, b = rng.normal(size=2) * 5, float(rng.normal() * 5)
        current, grad = sums.evaluate(np.append(w, b))
        grad_w, grad_b = grad[:-1], float(grad[-1])
        y_hat = predict(X, w, b)
        ref_w, ref_b = gradients(X, y, y_hat)
        assert current == pytest.approx(loss(y_hat, y), rel=1e-12)
        np.testing.assert_allclose(grad_w, ref_w, rtol=1e-10, atol=1e-10)
        assert grad_b == pytest.approx(ref_b, rel=1e-10, abs=1e-10)


def test_the_summary_says_which_path_ran() -> None:
    from gdlab.core.data import identity_scaling
    from gdlab.core.theory import analyze
    from gdlab.record.summary import summarize

    for fast, path in (("true", "sufficient statistics"), ("false", "reference")):
        config = load_config(overrides=["training.epochs=10", f"training.fast={fast}"])
        X, y = load_data(config)
        analysis = analyze(X, y)
        summary = summarize(config, train(config, X, y), analysis, analysis, identity_scaling(1))
        assert summary["path"] == path
