"""The training loop: the four functions every epoch, where a run ends, what it records."""

from __future__ import annotations

import numpy as np
import pytest

from gdlab.core import model
from gdlab.core import train as train_module
from gdlab.core.data import make_linear_data
from gdlab.core.lstsq import least_squares
from gdlab.core.notation import Array
from gdlab.core.optimizers import SGD
from gdlab.core.train import NEVER, outcome, stops, train


def _seed_data(noise: float = 1.0, true_w: tuple[float, ...] = (3.0,)) -> tuple[Array, Array]:
    return make_linear_data(100, 0.0, 10.0, list(true_w), 2.0, noise, np.random.default_rng(42))


def test_the_seed_run_reaches_the_least_squares_optimum() -> None:
    X, y = _seed_data()
    history = train(X, y, SGD(0.005), epochs=10_000)
    ls = least_squares(X, y)
    assert history.status == "completed"
    assert history.epochs_run == 10_000
    assert np.abs(history.final_w - ls.w).max() < 1e-8
    assert abs(history.final_b - ls.b) < 1e-8
    assert abs(history.final_w[0] - 3) < 0.1
    assert abs(history.final_b - 2) < 0.2
    assert 100 < history.loss[0] < 1000  # "hundreds at epoch 0"
    assert history.final_loss == pytest.approx(1.0, rel=0.2)


def _spy_on_model(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of model.py's four functions, in the order a run calls them."""
    calls: list[str] = []
    for name in ("predict", "loss", "gradients", "update"):
        real = getattr(model, name)

        def spy(*args: object, _real: object = real, _name: str = name) -> object:
            calls.append(_name)
            return _real(*args)  # type: ignore[operator]

        monkeypatch.setattr(model, name, spy)
    return calls


def test_every_epoch_calls_the_four_functions_of_model_py(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _spy_on_model(monkeypatch)
    X, y = _seed_data()
    train(X, y, SGD(0.005), epochs=3)
    # Epochs 0-2 evaluate and step; epoch 3 is evaluated and recorded, and the run ends.
    assert calls == ["predict", "loss", "gradients", "update"] * 3 + [
        "predict",
        "loss",
        "gradients",
    ]


def test_a_wrong_gradient_in_model_py_changes_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = _seed_data()
    right = train(X, y, SGD(0.005), epochs=2000)
    real = model.gradients

    def half_grad_w(X: Array, y: Array, y_hat: Array) -> tuple[Array, float]:
        grad_w, grad_b = real(X, y, y_hat)
        return grad_w / 2, grad_b

    monkeypatch.setattr(model, "gradients", half_grad_w)
    wrong = train(X, y, SGD(0.005), epochs=2000)
    assert not np.array_equal(right.w, wrong.w)
    assert abs(wrong.w[1, 0] - right.w[1, 0] / 2) < 1e-12  # the first step is half as long in w


def test_mini_batches_call_the_four_functions_of_model_py_on_every_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _spy_on_model(monkeypatch)
    X, y = _seed_data()
    one_epoch = train(X, y, SGD(0.005), epochs=1, batch_size=40, shuffle=np.random.default_rng(0))
    # The epoch's record on all the data, then each of its 3 batches (40, 40, 20) steps.
    record = ["predict", "loss", "gradients"]
    assert calls == record + ["predict", "gradients", "update"] * 3 + record
    # And a wrong gradient in model.py changes the run.
    real = model.gradients

    def half_grad_w(X: Array, y: Array, y_hat: Array) -> tuple[Array, float]:
        grad_w, grad_b = real(X, y, y_hat)
        return grad_w / 2, grad_b

    monkeypatch.setattr(model, "gradients", half_grad_w)
    wrong = train(X, y, SGD(0.005), epochs=1, batch_size=40, shuffle=np.random.default_rng(0))
    assert not np.array_equal(one_epoch.w[-1], wrong.w[-1])


def test_noiseless_data_recovers_the_true_parameters() -> None:
    X, y = make_linear_data(100, 0.0, 10.0, [-1.5], 4.0, 0.0, np.random.default_rng(42))
    history = train(X, y, SGD(0.005), epochs=10_000)
    assert history.final_w[0] == pytest.approx(-1.5, abs=1e-8)
    assert history.final_b == pytest.approx(4.0, abs=1e-8)


def test_two_features_reach_least_squares() -> None:
    X, y = _seed_data(true_w=(1.0, -2.0))
    history = train(X, y, SGD(0.004), epochs=20_000)
    np.testing.assert_allclose(history.final_w, least_squares(X, y).w, atol=1e-6)


def test_a_too_large_rate_diverges_inf_before_nan_without_warnings() -> None:
    # pytest turns RuntimeWarning into an error for the whole suite (pyproject).
    X, y = _seed_data()
    history = train(X, y, SGD(0.1), epochs=10_000)
    assert history.status == "diverged"
    assert history.first_inf_epoch is not None and history.first_nan_epoch is not None
    assert 0 < history.first_inf_epoch < history.first_nan_epoch
    assert history.epochs_run == history.first_nan_epoch  # stops at the first nan
    assert np.isinf(history.loss[history.epoch == history.first_inf_epoch]).all()
    assert np.isfinite(history.loss[history.epoch < history.first_inf_epoch]).all()


def test_divergence_stops_within_the_grace_epochs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(train_module, "DIVERGED_GRACE_EPOCHS", 25)
    X, y = _seed_data()
    history = train(X, y, SGD(0.1), epochs=10_000)
    assert history.status == "diverged"
    assert history.first_nan_epoch is None
    assert history.first_inf_epoch is not None
    assert history.epochs_run == history.first_inf_epoch + 25


def test_tolerance_stops_early_when_the_gradient_is_small() -> None:
    X, y = _seed_data()
    history = train(X, y, SGD(0.005), epochs=50_000, tol=1e-6)
    assert history.status == "converged"
    assert history.epochs_run < 50_000
    norms = np.hypot(history.grad_w[:, 0], history.grad_b)
    assert norms[-1] <= 1e-6 < norms[-2]


# (epoch, last epoch, gradient norm, tol, first non-finite epoch, nan now) -> ends, status
STOP_CASES = [
    ((5, 10, 1.0, float("nan"), NEVER, False), False, "completed"),
    ((10, 10, 1.0, float("nan"), NEVER, False), True, "completed"),
    ((5, 10, 1e-7, 1e-6, NEVER, False), True, "converged"),
    ((5, 10, 1e-6, 1e-6, NEVER, False), True, "converged"),  # at tol counts
    ((5, 10, 2e-6, 1e-6, NEVER, False), False, "completed"),
    ((7, 10_000, float("nan"), 1e-6, 3, True), True, "diverged"),  # the first nan ends it
    ((1002, 10_000, float("inf"), float("nan"), 3, False), False, "diverged"),  # still in grace
    ((1003, 10_000, float("inf"), float("nan"), 3, False), True, "diverged"),  # grace over
    ((10, 10, float("inf"), float("nan"), 3, False), True, "diverged"),  # last epoch, diverged
]


@pytest.mark.parametrize(("facts", "ends", "status"), STOP_CASES)
def test_the_stopping_rule_case_by_case(facts: tuple, ends: bool, status: str) -> None:  # type: ignore[type-arg]
    epoch, _, norm, tol, first_bad, _ = facts
    assert bool(stops(*facts)) is ends
    assert outcome(first_bad <= epoch, bool(norm <= tol)) == status


def test_the_stopping_rule_works_element_wise_as_a_batch_uses_it() -> None:
    rows = [facts for facts, _, _ in STOP_CASES]
    columns = [np.array(column) for column in zip(*rows, strict=True)]
    assert stops(*columns).tolist() == [ends for _, ends, _ in STOP_CASES]  # type: ignore[union-attr]


def test_log_every_keeps_every_nth_epoch_and_the_last() -> None:
    X, y = _seed_data()
    history = train(X, y, SGD(0.005), epochs=25, log_every=10)
    assert history.epoch.tolist() == [0, 10, 20, 25]
    assert history.w.shape == (4, 1)


def test_progress_callback_sees_the_last_epoch() -> None:
    seen: list[int] = []
    X, y = _seed_data()
    train(X, y, SGD(0.005), epochs=1000, on_progress=lambda epoch, loss: seen.append(epoch))
    assert seen[0] == 0 and seen[-1] == 1000
    assert len(seen) <= train_module.PROGRESS_CALLS + 2


class _StopsAtStep(SGD):
    """Plain descent that is interrupted (as by Ctrl-C) during its n-th step."""

    def __init__(self, lr: float, n: int) -> None:
        super().__init__(lr)
        self.n = n

    def step(self, w: Array, b: float, grad_w: Array, grad_b: float) -> tuple[Array, float]:
        if self.t + 1 == self.n:
            raise KeyboardInterrupt
        return super().step(w, b, grad_w, grad_b)


@pytest.mark.parametrize("where", ["during the update", "in the progress callback"])
def test_ctrl_c_with_log_every_keeps_the_last_finished_epoch(where: str) -> None:
    X, y = _seed_data()
    full = train(X, y, SGD(0.005), epochs=100)

    def interrupt(epoch: int, loss: float) -> None:
        if epoch == 40:
            raise KeyboardInterrupt

    if where == "during the update":  # step 41 leads from epoch 40 to 41: epoch 40 finished
        history = train(X, y, _StopsAtStep(0.005, 41), epochs=100, log_every=7)
    else:
        history = train(X, y, SGD(0.005), epochs=100, log_every=7, on_progress=interrupt)
    assert history.status == "interrupted"
    assert history.epoch.tolist() == [0, 7, 14, 21, 28, 35, 40]
    assert history.epochs_run == 40
    assert history.w[-1, 0] == full.w[40, 0] and history.loss[-1] == full.loss[40]


def test_ctrl_c_before_the_first_epoch_is_finished_is_raised() -> None:
    X, y = _seed_data()

    def interrupt(epoch: int, loss: float) -> None:
        raise KeyboardInterrupt

    history = train(X, y, SGD(0.005), epochs=10, on_progress=interrupt)
    assert history.epoch.tolist() == [0]  # epoch 0 was recorded before the callback ran


def test_the_example_in_trains_docstring_runs() -> None:
    import doctest

    assert doctest.testmod(train_module).failed == 0
