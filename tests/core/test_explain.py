"""Inside the black box: gradcheck, analyze, standardizing, and the 'inside' figures."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from gdlab.cli import app
from gdlab.core import gradcheck as gradcheck_module
from gdlab.core.data import standardize
from gdlab.core.explain import explain
from gdlab.core.gradcheck import check_gradients
from gdlab.core.model import gradients
from gdlab.core.theory import hessian, least_squares
from gdlab.record.build import load_data, prepare, run_training
from gdlab.record.config import load_config

cli = CliRunner()


def _wrong_gradients(X, y, y_hat):  # type: ignore[no-untyped-def]
    """The classic slip: forgetting the factor 2 on dL/db."""
    grad_w, grad_b = gradients(X, y, y_hat)
    return grad_w, grad_b / 2


def test_gradient_check_passes_on_the_model_and_fails_on_a_wrong_gradient() -> None:
    X, y = load_data(load_config())
    rng = np.random.default_rng(0)
    rows = check_gradients(X, y, np.zeros(2), 5, 1e-6, rng)
    assert len(rows) == 12 and all(row.passed for row in rows)
    bad = check_gradients(X, y, np.zeros(2), 5, 1e-6, rng, gradient_fn=_wrong_gradients)
    assert [row.passed for row in bad if row.parameter == "w"] == [True] * 6
    assert not any(row.passed for row in bad if row.parameter == "b")


def test_gradcheck_command_exits_1_on_a_wrong_gradient(monkeypatch: pytest.MonkeyPatch) -> None:
    ok = cli.invoke(app, ["gradcheck", "--points", "3"])
    assert ok.exit_code == 0 and "PASSED" in ok.stdout
    monkeypatch.setattr(gradcheck_module, "gradients", _wrong_gradients)
    bad = cli.invoke(app, ["gradcheck", "--points", "3"])
    assert bad.exit_code == 1 and "FAILED" in bad.stdout and "FAIL" in bad.stdout


def test_analysis_of_a_two_point_line_worked_by_hand() -> None:
    # x = [1, 3]: H = [[10, 4], [4, 2]], eigenvalues 6 -+ sqrt(32); the slow eigenvector is
    # proportional to (4, lambda_min - 10), so b's share is 93.25 / (16 + 93.25) = 85%.
    X, y = np.array([[1.0], [3.0]]), np.array([2.0, 5.0])
    found = explain(X, y, lr=0.1, theta0=np.zeros(2), tol=1e-3)
    np.testing.assert_allclose(found.normal_equations, [1.5, 0.5])
    np.testing.assert_allclose(found.lstsq, found.normal_equations, atol=1e-12)
    np.testing.assert_allclose(found.blocked_qr, found.normal_equations, atol=1e-12)
    assert found.analysis.critical_lr == pytest.approx(2 / (6 + math.sqrt(32)))
    assert "85% b, 15% w" in found.slow_direction
    # Standardized, x = [-1, 1]: H = diag(2, 2), condition number 1, best rate 0.5,
    # which reaches the optimum in one step.
    assert found.standardized.condition_number == pytest.approx(1.0)
    assert found.standardized_best.epochs_to_tol == 1


def test_analyze_prints_the_numbers_it_derives() -> None:
    result = cli.invoke(app, ["analyze", "--set", "optimizer.lr=0.1"])
    assert result.exit_code == 0, result.output
    X, _ = load_data(load_config())
    eigenvalues = np.linalg.eigvalsh(hessian(X))
    assert f"{2 / eigenvalues[-1]:.5g}" in result.stdout  # the critical rate
    assert f"{eigenvalues[-1] / eigenvalues[0]:.5g}" in result.stdout  # the condition number
    assert "diverges" in result.stdout and "overflows to inf" in result.stdout
    assert "b converges slowest" in result.stdout
    assert "standardizing" in result.stdout


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


def test_scaling_round_trips_and_refuses_a_constant_column() -> None:
    X = np.array([[1.0, 5.0], [2.0, 5.0], [4.0, 5.0]])
    with pytest.raises(ValueError, match="feature 2 is constant"):
        standardize(X)
    scaling = standardize(X[:, :1])
    w, b = scaling.to_original(*scaling.to_scaled(np.array([2.5]), -1.0))
    np.testing.assert_allclose(w, [2.5])
    assert b == pytest.approx(-1.0)


def test_a_standardized_run_reports_both_units(tmp_path: Path) -> None:
    result = cli.invoke(app, ["train", "--set", "data.standardize=true", "-q"])
    assert result.exit_code == 0, result.output
    import json

    summary = json.loads((Path(result.stdout.strip()) / "summary.json").read_text())
    block = summary["standardized"]
    assert "original units" in block["note"]
    assert summary["theory"]["condition_number"] == pytest.approx(1.0)
    assert block["condition_number_original"] > 100
    assert summary["distance_to_least_squares"] < 1e-8


def test_inside_figures_have_their_artists(tmp_path: Path) -> None:
    from gdlab.plots import surface
    from gdlab.plots.common import Truth

    config = load_config(overrides=["training.epochs=2000"])
    X, y = load_data(config)
    problem = prepare(config, X, y)
    history = run_training(config, X, y)
    ls, truth = least_squares(X, y), Truth(np.array([3.0]), 2.0)
    fig = surface.contour_figure(X, y, history, ls, truth, 0.005)
    ax = fig.axes[0]
    labels = [str(line.get_label()) for line in ax.get_lines()]
    assert "gradient descent" in labels
    assert any(label.startswith("least squares") for label in labels)
    assert any(label.startswith("true") for label in labels)
    assert any(label.startswith("start") for label in labels)
    assert len(fig.axes) == 2  # the plot and its colorbar
    fig = surface.evolution_figure(X, y, history, problem.scaling, 0.005)
    labels = [str(line.get_label()) for line in fig.axes[0].get_lines()]
    assert [label.split(":")[0] for label in labels] == [
        "epoch 0",
        "epoch 1",
        "epoch 10",
        "epoch 100",
        "epoch 1,000",
        "epoch 2,000",
    ]
    gif = tmp_path / "evolution.gif"
    surface.write_evolution_gif(X, y, history, problem.scaling, gif)
    with Image.open(gif) as image:
        assert image.format == "GIF" and image.n_frames > 20
    assert gif.stat().st_size < 1_000_000  # small enough for a README
