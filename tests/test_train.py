"""The training loop: where it ends, how it records, how it diverges."""

from __future__ import annotations

import numpy as np
import pytest

from gdlab.core import train as train_module
from gdlab.core.theory import least_squares
from gdlab.core.train import train
from gdlab.record.config import load_config
from gdlab.record.runner import load_data


def test_default_config_reaches_the_least_squares_optimum() -> None:
    config = load_config()
    X, y = load_data(config)
    history = train(config, X, y)
    ls = least_squares(X, y)
    assert history.status == "completed"
    assert history.epochs_run == 10_000
    assert np.abs(history.final_w - ls.w).max() < 1e-8
    assert abs(history.final_b - ls.b) < 1e-8
    assert abs(history.final_w[0] - 3) < 0.1
    assert abs(history.final_b - 2) < 0.2
    assert 100 < history.loss[0] < 1000  # "hundreds at epoch 0"
    assert history.final_loss == pytest.approx(config.data.noise_std**2, rel=0.2)


def test_noiseless_data_recovers_the_true_parameters() -> None:
    config = load_config(overrides=["data.noise_std=0", "data.true_w=[-1.5]", "data.true_b=4"])
    X, y = load_data(config)
    history = train(config, X, y)
    assert history.final_w[0] == pytest.approx(-1.5, abs=1e-8)
    assert history.final_b == pytest.approx(4.0, abs=1e-8)


def test_two_features_reach_least_squares() -> None:
    config = load_config(
        overrides=["data.true_w=[1.0, -2.0]", "optimizer.lr=0.004", "training.epochs=20000"]
    )
    X, y = load_data(config)
    history = train(config, X, y)
    ls = least_squares(X, y)
    assert X.shape == (100, 2)
    np.testing.assert_allclose(history.final_w, ls.w, atol=1e-6)


def test_a_too_large_rate_diverges_inf_before_nan_without_warnings() -> None:
    # pytest turns RuntimeWarning into an error for the whole suite (pyproject).
    config = load_config(overrides=["optimizer.lr=0.1"])
    X, y = load_data(config)
    history = train(config, X, y)
    assert history.status == "diverged"
    assert history.first_inf_epoch is not None and history.first_nan_epoch is not None
    assert 0 < history.first_inf_epoch < history.first_nan_epoch
    assert history.epochs_run == history.first_nan_epoch  # stops at the first nan
    assert np.isinf(history.loss[history.epoch == history.first_inf_epoch]).all()
    assert np.isfinite(history.loss[history.epoch < history.first_inf_epoch]).all()


def test_divergence_stops_within_the_grace_epochs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(train_module, "DIVERGED_GRACE_EPOCHS", 25)
    config = load_config(overrides=["optimizer.lr=0.1"])
    X, y = load_data(config)
    history = train(config, X, y)
    assert history.status == "diverged"
    assert history.first_nan_epoch is None
    assert history.first_inf_epoch is not None
    assert history.epochs_run == history.first_inf_epoch + 25


def test_tolerance_stops_early_when_the_gradient_is_small() -> None:
    config = load_config(overrides=["training.tol=1e-6", "training.epochs=50000"])
    X, y = load_data(config)
    history = train(config, X, y)
    assert history.status == "converged"
    assert history.epochs_run < 50_000
    norms = np.hypot(history.grad_w[:, 0], history.grad_b)
    assert norms[-1] <= 1e-6 < norms[-2]


def test_log_every_keeps_every_nth_epoch_and_the_last() -> None:
    config = load_config(overrides=["training.epochs=25", "training.log_every=10"])
    X, y = load_data(config)
    history = train(config, X, y)
    assert history.epoch.tolist() == [0, 10, 20, 25]
    assert history.w.shape == (4, 1)


def test_progress_callback_sees_the_last_epoch() -> None:
    seen: list[int] = []
    config = load_config(overrides=["training.epochs=1000"])
    X, y = load_data(config)
    train(config, X, y, on_progress=lambda epoch, loss: seen.append(epoch))
    assert seen[0] == 0 and seen[-1] == 1000
    assert len(seen) <= train_module.PROGRESS_CALLS + 2
