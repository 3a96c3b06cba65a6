"""From a config to the core: training as configured, and the path it takes."""

from __future__ import annotations

import numpy as np
import pytest

from gdlab.core.lstsq import least_squares
from gdlab.record.build import load_data, prepare, run_training
from gdlab.record.config import load_config


def test_mini_batch_runs_are_reproducible_and_log_their_steps() -> None:
    overrides = ["training.batch_size=16", "training.epochs=50", "training.log_steps=true"]
    config = load_config(overrides=overrides)
    X, y = load_data(config)
    a, b = run_training(config, X, y), run_training(config, X, y)
    np.testing.assert_array_equal(a.w, b.w)
    assert a.steps is not None and b.steps is not None
    np.testing.assert_array_equal(a.steps, b.steps)
    assert a.steps.shape == (50 * 7, 5)  # 100 samples in batches of 16: 7 steps an epoch
    assert a.steps[-1, 0] == 350 and a.steps[-1, 1] == 50
    # The epoch's row is the state after its last step.
    assert a.steps[-1, 3] == a.w[-1, 0] and a.steps[-1, 4] == a.b[-1]
    other = load_config(overrides=[*overrides, "data.seed=7"])
    assert not np.array_equal(run_training(other, *load_data(other)).w, a.w)


def test_small_batches_still_head_for_the_optimum() -> None:
    config = load_config(
        overrides=["training.batch_size=10", "training.epochs=3000", "optimizer.lr=0.001"]
    )
    X, y = load_data(config)
    history = run_training(config, X, y)
    ls = least_squares(X, y)
    assert abs(history.final_w[0] - ls.w[0]) < 0.05 and abs(history.final_b - ls.b) < 0.3


def test_two_noiseless_features_recover_both_weights() -> None:
    config = load_config(
        overrides=[
            "data.true_w=[1.5, -2]",
            "data.noise_std=0",
            "optimizer.lr=0.004",
            "training.epochs=30000",
        ]
    )
    X, y = load_data(config)
    history = run_training(config, X, y)
    np.testing.assert_allclose(history.final_w, [1.5, -2.0], atol=1e-6)
    assert history.final_b == pytest.approx(2.0, abs=1e-6)


def test_standardized_training_maps_back_to_the_same_least_squares_line() -> None:
    config = load_config(overrides=["data.standardize=true"])
    X, y = load_data(config)
    problem = prepare(config, X, y)
    history = run_training(config, problem.X_train, y)
    w, b = problem.scaling.to_original(history.final_w, history.final_b)
    ls = least_squares(X, y)
    np.testing.assert_allclose(w, ls.w, atol=1e-8)
    assert b == pytest.approx(ls.b, abs=1e-8)
    # The same predictions in either units.
    scaled = problem.X_train @ history.final_w + history.final_b
    np.testing.assert_allclose(scaled, X @ w + b, rtol=1e-12)
