"""From a config to the core: training as configured, and the path it takes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gdlab.core.lstsq import least_squares
from gdlab.record.build import load_data, prepare, run_training
from gdlab.record.config import load_config
from gdlab.record.rules import is_plain_gd

REPO = Path(__file__).resolve().parents[2]


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


@pytest.mark.parametrize(
    ("config", "sets"),
    [
        (None, []),
        (None, ["data.true_w=[1.5,-2.0]", "training.init_w=[0.0]"]),
        (None, ["model.intercept=false"]),
        (REPO / "configs" / "nist" / "norris.yaml", ["data.standardize=false"]),
    ],
    ids=["one feature", "two features", "no intercept", "NIST Norris, raw"],
)
def test_newton_at_lr_1_is_at_the_least_squares_optimum_after_one_epoch(
    config: Path | None, sets: list[str]
) -> None:
    cfg = load_config(
        config, [*sets, "optimizer.name=newton", "optimizer.lr=1", "training.epochs=1"]
    )
    X, y = load_data(cfg)
    history = run_training(cfg, X, y)
    A = np.column_stack([X, np.ones(len(y))]) if cfg.model.intercept else X
    expected, *_ = np.linalg.lstsq(A, y, rcond=None)
    theta = np.append(history.w[1], history.b[1]) if cfg.model.intercept else history.w[1]
    np.testing.assert_allclose(theta, expected, rtol=1e-9)


def test_the_diagonal_preconditioner_is_no_longer_plain_gd() -> None:
    sets = ["optimizer.precondition=diagonal", "optimizer.lr=0.5", "training.epochs=2000"]
    cfg = load_config(None, sets)
    assert not is_plain_gd(cfg) and not is_plain_gd(load_config(None, ["optimizer.name=newton"]))
    history = run_training(cfg, *load_data(cfg))
    assert history.final_w[0] == pytest.approx(3.00766296, abs=1e-6)  # at 0.005 it needs 3,129
