"""summary.json: deterministic, theory beside observation, and the path a run took."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gdlab.core.theory import predict_run
from gdlab.record.build import load_data, path_for, prepare, run_training
from gdlab.record.config import load_config
from gdlab.record.summary import summarize


def _summary(*overrides: str) -> dict:  # type: ignore[type-arg]
    config = load_config(overrides=["training.epochs=4000", *overrides])
    problem = prepare(config, *load_data(config))
    path = path_for(config, problem)
    history = run_training(config, problem.X_train, problem.y, path=path)
    return summarize(config, history, problem, path)


def test_plain_descent_gets_the_spectrums_prediction_beside_what_it_did() -> None:
    summary = _summary()
    config = load_config()
    problem = prepare(config, *load_data(config))
    expected = predict_run(problem.trained, 0.005, np.zeros(2), 1e-3)
    predicted, observed = summary["theory"]["predicted"], summary["theory"]["observed"]
    assert predicted["epochs_to_tol"] == expected.epochs_to_tol == observed["epochs_to_tol"]
    assert predicted["epochs_to_tol_per_param"] == {"w": 2330, "b": 3123}
    assert summary["path"] == "four functions"


@pytest.mark.parametrize(
    "overrides",
    [["optimizer.name=adam"], ["training.batch_size=10"], ["optimizer.name=adamw"]],
    ids=["adam", "sgd", "adamw"],
)
def test_other_rules_are_observed_only_and_say_so(overrides: list[str]) -> None:
    theory = _summary(*overrides)["theory"]
    assert theory["predicted"] is None
    assert (
        "full-batch" in theory["predicted_for"]
        and "without preconditioner" in theory["predicted_for"]
    )
    assert theory["observed"]["outcome"] == "converges"


@pytest.mark.parametrize(
    ("name", "wd", "epochs", "distance"),
    [("gd", 1e-4, 3289, 3.131e-4), ("momentum", 1e-2, None, 0.03066)],
)
def test_a_run_with_weight_decay_is_predicted_with_its_ridge_optimum(
    name: str, wd: float, epochs: int | None, distance: float
) -> None:
    theory = _summary(f"optimizer.name={name}", f"optimizer.weight_decay={wd}")["theory"]
    predicted, observed = theory["predicted"], theory["observed"]
    assert predicted["epochs_to_tol"] == observed["epochs_to_tol"] == epochs
    assert predicted["epochs_to_tol_per_param"] == observed["epochs_to_tol_per_param"]
    decay = predicted["weight_decay"]
    assert decay["wd"] == wd  # the ridge optimum 0.031 from least squares: never within 0.001
    assert decay["distance_to_least_squares"] == pytest.approx(distance, rel=1e-3)


def test_a_momentum_run_is_predicted_with_how_each_direction_moves() -> None:
    theory = _summary("optimizer.name=momentum")["theory"]
    predicted, observed = theory["predicted"], theory["observed"]
    assert predicted["epochs_to_tol"] == observed["epochs_to_tol"] == 230
    assert predicted["epochs_to_tol_per_param"] == observed["epochs_to_tol_per_param"]
    moves = predicted["momentum"]
    assert moves["beta"] == 0.9
    # v1 (lambda 0.465) needs beta > 0.906 to swing: at 0.9 it creeps in; v2 swings
    assert moves["oscillates"] == [b < 0.9 for b in moves["critical_damping_beta"]] == [False, True]
    assert theory["best_momentum"]["rate"] == pytest.approx(
        np.sqrt(theory["best_momentum"]["beta"])
    )


def test_the_summary_is_plain_json_with_no_clock_in_it(tmp_path: Path) -> None:
    a, b = _summary(), _summary()
    assert a == b
    text = json.dumps(a, allow_nan=False)  # every number finite before it is written
    assert "time" not in text and "pid" not in text


def test_a_batch_as_large_as_the_data_is_full_batch_and_is_predicted() -> None:
    full = _summary()
    whole = _summary("training.batch_size=100")  # the seed's 100 samples in one batch
    assert whole["theory"]["predicted"] == full["theory"]["predicted"]
    assert whole["final"] == full["final"]  # the same run, step for step


def test_ill_conditioning_is_warned_about_with_advice() -> None:
    from gdlab.core.explain import WARN_CONDITION, conditioning_warning
    from gdlab.record.build import load_data, prepare
    from tests.conftest import REPO

    assert _summary()["theory"]["warning"] is None  # the seed's 137 costs little
    raw = load_config(REPO / "configs" / "forbes.yaml", ["data.standardize=false"])
    analysis = prepare(raw, *load_data(raw)).trained
    assert analysis.condition_number > WARN_CONDITION
    warning = conditioning_warning(analysis, standardized=False)
    assert warning is not None and "data.standardize: true" in warning
    assert f"{analysis.condition_number:.3g}" in warning


def test_a_rate_too_small_to_move_the_parameters_is_reported_as_such() -> None:
    frozen = _summary("optimizer.lr=1e-20", "training.epochs=3")["theory"]["predicted"]
    assert frozen["epochs_to_tol"] is None
    assert "rounds to exactly 1" in frozen["frozen"] and "2 of the 2" in frozen["frozen"]
    assert _summary("training.epochs=3")["theory"]["predicted"]["frozen"] is None


def test_a_fit_through_the_origin_has_no_b_to_predict_and_an_uncentered_r_squared() -> None:
    summary = _summary("model.intercept=false", "data.true_b=0", "training.epochs=400")
    assert summary["final"]["b"] == 0.0 and summary["least_squares"]["b"] == 0.0
    assert summary["least_squares"]["standard_errors"]["b"] is None
    assert summary["least_squares"]["r_squared_kind"].startswith("uncentered")
    theory = summary["theory"]
    assert list(theory["predicted"]["epochs_to_tol_per_param"]) == ["w"]
    assert theory["observed"]["epochs_to_tol"] == theory["predicted"]["epochs_to_tol"]


def test_a_polynomial_is_fitted_on_its_powers_and_reported_in_x_s_own_basis() -> None:
    overrides = ["model.degree=2", "data.true_w=[1, -0.1]", "data.standardize=true"]
    summary = _summary(*overrides, "optimizer.lr=0.4", "training.epochs=2000")
    assert len(summary["final"]["w"]) == 2 and summary["standardized"]["mean"][1] > 30
    ls = summary["least_squares"]
    np.testing.assert_allclose(summary["final"]["w"], ls["w"], rtol=1e-6)
    np.testing.assert_allclose(ls["w"], [1, -0.1], atol=0.3)
    theory = summary["theory"]
    assert theory["observed"]["epochs_to_tol"] == theory["predicted"]["epochs_to_tol"]
