"""The first inf and nan of a diverging run, predicted from the spectrum, against runs."""

from __future__ import annotations

import numpy as np
import pytest

from gdlab.core import overflow
from gdlab.core.data import make_linear_data, polynomial_features, standardize
from gdlab.core.optimizers import SGD
from gdlab.core.sums import SufficientStats
from gdlab.core.theory import analyze, predict_run
from gdlab.core.train import train
from tests.conftest import REPO


@pytest.mark.parametrize("true_w", [[3.0], [3.0, -1.0, 2.0]])
@pytest.mark.parametrize("times_critical", [1.5, 2.0, 5.0, 20.0])
@pytest.mark.parametrize("scaled", [False, True])
def test_inf_and_nan_epochs_are_predicted_exactly(
    true_w: list[float], times_critical: float, scaled: bool
) -> None:
    X, y = make_linear_data(100, 0.0, 10.0, true_w, 2.0, 1.0, np.random.default_rng(42))
    if scaled:  # x of both signs: infinities of both signs meet in the predictions
        X = standardize(X).apply(X)
    analysis = analyze(X, y)
    lr = analysis.critical_lr * times_critical
    predicted = predict_run(analysis, lr, np.zeros(len(true_w) + 1), 1e-3)
    run = train(X, y, SGD(lr), 5000)
    assert (predicted.first_inf_epoch, predicted.first_nan_epoch) == (
        run.first_inf_epoch,
        run.first_nan_epoch,
    )


@pytest.mark.parametrize("times_critical", [1.5, 3.0, 10.0, 40.0])
@pytest.mark.parametrize("data", ["synthetic", "pontius"])
def test_on_the_sums_path_infinities_meet_in_r_and_nan_is_still_exact(
    times_critical: float, data: str
) -> None:
    if data == "pontius":  # standardized, where R's signs and the samples' part ways
        table = np.loadtxt(REPO / "data" / "nist" / "pontius.csv", delimiter=",", skiprows=1)
        X, y = polynomial_features(table[:, 1:], 2), table[:, 0]
        X = standardize(X).apply(X)
    else:
        X, y = make_linear_data(100, 0.0, 10.0, [3.0], 2.0, 1.0, np.random.default_rng(42))
    analysis = analyze(X, y)
    lr = analysis.critical_lr * times_critical
    predicted = predict_run(analysis, lr, np.zeros(X.shape[1] + 1), 1e-3, sums=True)
    run = train(X, y, SGD(lr), 5000, sums=SufficientStats(X, y))
    assert (predicted.first_inf_epoch, predicted.first_nan_epoch) == (
        run.first_inf_epoch,
        run.first_nan_epoch,
    )


def test_the_first_overflowing_epoch_is_the_first_a_scan_finds() -> None:
    """_overflow's bracket (no row before one of its m terms passes 1/m of the limit; none
    after its soonest term alone passes it) against every epoch tried from 0: rows of
    equal terms overflow at the bracket's low end, a single large term at its high end."""
    rng = np.random.default_rng(3)
    for case in range(300):
        rows, m = int(rng.integers(1, 4)), int(rng.integers(1, 200))
        log_terms = rng.normal(size=(rows, m)) * 5
        log_rate = rng.uniform(-1, 1, m) * 10 ** rng.uniform(-1.5, 0.5, m)
        if case % 3 == 0:  # m equal terms growing alike
            log_terms[:], log_rate[:] = rng.normal() * 5, rng.uniform(0.05, 3)
        log_terms[rng.random((rows, m)) < 0.1] = -np.inf  # terms that are 0
        if rng.random() < 0.2:  # near the limit already, and shrinking: the low end is late
            log_terms[0, 0], log_rate[0] = 709.5, -1e-6
        found = overflow._overflow(log_terms, log_rate)
        scanned = next(
            (t for t in range(30_000) if overflow._overflowed_rows(log_terms, log_rate, t).any()),
            None,
        )
        assert found == scanned, (case, found, scanned)
    # Past the limit at 0, below it a while (the large term shrinks), then past it for good.
    assert overflow._overflow(np.array([[709.9, 0.0]]), np.array([-1.0, 0.5])) == 0
