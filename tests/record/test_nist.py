"""The NIST StRD linear sets: least squares and gradient descent against certified values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gdlab.record.build import load_data, path_for, prepare, run_training
from gdlab.record.config import load_config
from gdlab.record.nist import lre, read_certified, score_numpy, score_set
from gdlab.record.summary import summarize

REPO = Path(__file__).resolve().parents[2]
CERTIFIED = read_certified(REPO / "data" / "nist" / "certified.json")
SETS = ["norris", "pontius", "noint1", "noint2", "filip", "longley"] + [
    f"wampler{k}" for k in range(1, 6)
]


def test_all_eleven_sets_are_shipped_with_a_config() -> None:
    assert sorted(CERTIFIED) == sorted(SETS)
    for key in SETS:
        assert (REPO / "configs" / "nist" / f"{key}.yaml").is_file()


@pytest.mark.parametrize("key", SETS)
def test_least_squares_has_12_digits_of_every_certified_value(key: str) -> None:
    row = score_set(REPO / "configs" / "nist" / f"{key}.yaml", CERTIFIED[key])
    digits = row.gdlab
    assert digits.coefficients >= 12, digits
    assert digits.standard_errors >= 12, digits
    assert digits.residual_sd >= 12, digits
    assert digits.r_squared >= 12, digits


def test_the_hard_sets_defeat_the_usual_numpy_ways() -> None:
    """The yardstick is hard: what gdlab passes, lstsq and the normal equations fail."""
    config = load_config(REPO / "configs" / "nist" / "filip.yaml")
    X, y = load_data(config)
    assert score_numpy(X, y, True, CERTIFIED["filip"], "lstsq").coefficients < 2
    config = load_config(REPO / "configs" / "nist" / "longley.yaml")
    X, y = load_data(config)
    assert score_numpy(X, y, True, CERTIFIED["longley"], "normal").coefficients < 8


def test_lre_counts_digits_as_nist_does() -> None:
    assert lre(1.0000001, 1.0) == pytest.approx(7.0, abs=0.01)
    assert lre(1e-9, 0.0) == pytest.approx(9.0)  # a certified 0: absolute error
    assert lre(2.0, 2.0) == 15.0 and lre(np.nan, 2.0) == 0.0


@pytest.mark.parametrize("key", ["norris", "pontius", "noint1", "noint2", "longley"])
def test_gradient_descent_reaches_the_certified_coefficients_when_predicted(key: str) -> None:
    config = load_config(REPO / "configs" / "nist" / f"{key}.yaml")
    X, y = load_data(config)
    problem = prepare(config, X, y)
    path = path_for(config, problem)
    history = run_training(config, problem.X_train, y, path=path)
    summary = summarize(config, history, problem, path)
    final = summary["final"]
    theta = np.append(final["w"], final["b"]) if config.model.intercept else np.array(final["w"])
    assert lre(theta, CERTIFIED[key].theta).min() >= 8
    theory = summary["theory"]
    assert theory["observed"]["epochs_to_tol"] == theory["predicted"]["epochs_to_tol"] is not None
    observed = theory["observed"]["epochs_to_tol_per_param"]
    assert observed == theory["predicted"]["epochs_to_tol_per_param"]
