"""Plain descent under each schedule, predicted from the spectrum, beside real runs of
gdlab.record.build.run_training: epochs to tol exactly (overall and per parameter), inf
within two."""

from __future__ import annotations

import pytest

from gdlab.record.build import load_data, path_for, prepare, run_training
from gdlab.record.config import load_config
from gdlab.record.summary import summarize

# (schedule, lr, epochs, outcome): the seed's line, 30 samples (critical lr about 0.03)
CASES = [
    ("{name: step, step_size: 500, gamma: 0.5}", 0.02, 3000, "converges"),
    ("{name: exponential, gamma: 0.999}", 0.02, 3000, "converges"),
    ("{name: cosine, t_max: 2000, eta_min: 0.001}", 0.02, 3000, "converges"),
    ("{name: warmup, start_factor: 0.1, total_iters: 100}", 0.02, 3000, "converges"),
    # gamma > 1 (torch allows it): the rate grows past the critical one
    ("{name: exponential, gamma: 1.01}", 0.02, 1000, "diverges"),
    # a warm-up that ends above the critical rate
    ("{name: warmup, start_factor: 0.1, total_iters: 50}", 0.05, 1000, "diverges"),
]


def _theory(*sets: str) -> dict:  # type: ignore[type-arg]
    config = load_config(None, ["data.n_samples=30", *sets])
    problem = prepare(config, *load_data(config))
    history = run_training(config, problem.X_train, problem.y)
    return summarize(config, history, problem, path_for(config, problem))["theory"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(("schedule", "lr", "epochs", "outcome"), CASES)
def test_a_scheduled_run_does_what_was_predicted(
    schedule: str, lr: float, epochs: int, outcome: str
) -> None:
    theory = _theory(
        f"optimizer.schedule={schedule}", f"optimizer.lr={lr}", f"training.epochs={epochs}"
    )
    predicted, observed = theory["predicted"], theory["observed"]
    assert predicted["outcome"] == observed["outcome"] == outcome
    assert predicted["epochs_to_tol"] == observed["epochs_to_tol"]
    assert predicted["epochs_to_tol_per_param"] == observed["epochs_to_tol_per_param"]
    if outcome == "converges":
        assert predicted["epochs_to_tol"] is not None
        assert predicted["first_inf_epoch"] is None is observed["first_inf_epoch"]
    else:
        assert abs(predicted["first_inf_epoch"] - observed["first_inf_epoch"]) <= 2
    assert predicted["first_nan_epoch"] is None and "not predicted" in predicted["schedule"]["note"]


def test_momentum_with_a_schedule_is_not_predicted() -> None:
    theory = _theory(
        "optimizer.schedule={name: exponential, gamma: 0.99}",
        "optimizer.name=momentum",
        "training.epochs=50",
    )
    assert theory["predicted"] is None
    assert "schedule, plain descent alone" in theory["predicted_for"]


def test_a_run_that_grows_past_float64s_reach_is_not_promised_convergence() -> None:
    """lr 0.04 falls by 0.999 an epoch: above the critical rate long enough to grow to about
    1e24 first. The rate later converges in exact arithmetic, but float64 keeps the rounding
    of that size, far above the tolerance: predicted and observed, it never gets there."""
    theory = _theory(
        "optimizer.schedule={name: exponential, gamma: 0.999}",
        "optimizer.lr=0.04",
        "training.epochs=3000",
    )
    predicted, observed = theory["predicted"], theory["observed"]
    assert predicted["epochs_to_tol"] is None is observed["epochs_to_tol"]
    assert predicted["outcome"] == observed["outcome"] == "diverges"
