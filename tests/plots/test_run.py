"""Figures: the right axes, lines and markers; files that open. Never PNG bytes."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest

from gdlab.core.lstsq import least_squares
from gdlab.plots import common, run
from gdlab.record.build import load_data, run_training
from gdlab.record.config import load_config
from tests.plots.artists import draw, legend_labels, outside


def _run(*overrides: str):  # type: ignore[no-untyped-def]
    config = load_config(overrides=["training.epochs=300", *overrides])
    X, y = load_data(config)
    truth = common.Truth(w=np.asarray(config.data.true_w), b=config.data.true_b)
    return X, y, run_training(config, X, y), least_squares(X, y), truth


def _labels(ax) -> list[str]:  # type: ignore[no-untyped-def]
    return [line.get_label() for line in ax.get_lines()]


def test_fit_figure_draws_data_and_three_lines(tmp_path: Path) -> None:
    X, y, history, ls, truth = _run()
    fitted = (history.final_w, history.final_b)
    fig = run.fit_figure(X, y, fitted, ls, truth, "fit")
    (ax,) = fig.axes
    labels = _labels(ax)
    assert any(label.startswith("learned") for label in labels)
    assert any(label.startswith("least squares") for label in labels)
    assert any(label.startswith("true") for label in labels)
    (scatter,) = ax.collections
    assert scatter.get_offsets().shape == (100, 2)  # every data point drawn
    path = tmp_path / "fit.png"
    common.save_png(fig, path)
    assert mpimg.imread(path).shape[2] in (3, 4)


def test_fit_figure_with_two_features_plots_predicted_against_actual() -> None:
    X, y, history, ls, truth = _run("data.true_w=[1, 2]", "optimizer.lr=0.001")
    (ax,) = run.fit_figure(X, y, (history.final_w, history.final_b), ls, truth, "t").axes
    assert ax.get_xlabel() == "actual y" and ax.get_ylabel() == "predicted y"


def test_loss_figure_is_log_scale_and_marks_divergence() -> None:
    *_, history, _, _ = _run("optimizer.lr=0.1", "training.epochs=1000")
    (ax,) = run.loss_figure(history, lr=0.1, noise_variance=1.0).axes
    assert ax.get_yscale() == "log"
    labels = _labels(ax)
    assert f"loss = inf from epoch {history.first_inf_epoch}" in labels
    assert f"loss = nan from epoch {history.first_nan_epoch}" in labels
    top = ax.get_ylim()[1]
    assert np.isfinite(top) and top > history.loss[np.isfinite(history.loss)].min()


def test_params_figure_has_a_panel_per_parameter_with_reference_lines() -> None:
    *_, history, ls, truth = _run("data.true_w=[1, 2]", "optimizer.lr=0.001")
    fig = run.params_figure(history, ls, truth, lr=0.001)
    assert [ax.get_ylabel() for ax in fig.axes] == ["w_1", "w_2", "b"]
    for ax in fig.axes:
        labels = _labels(ax)
        assert any(label.startswith("least squares") for label in labels)
        assert any(label.startswith("true") for label in labels)


def test_diverged_params_are_framed_where_the_zigzag_is_visible() -> None:
    *_, history, ls, truth = _run("optimizer.lr=0.1", "training.epochs=1000")
    fig = run.params_figure(history, ls, truth, lr=0.1)
    for ax in fig.axes:
        low, high = ax.get_ylim()
        assert np.isfinite(low) and np.isfinite(high) and high - low < 1e12
        assert "leaves this frame" in ax.get_title()
    assert draw(fig) == []
    assert outside(fig) == []  # was: w's ticks (−400000) pushed its label off the left edge
    assert [ax.get_ylabel() for ax in fig.axes] == ["w", "b"]


def test_compare_keeps_converged_runs_readable_beside_a_diverged_one() -> None:
    *_, diverged, _, _ = _run("optimizer.lr=0.1", "training.epochs=1000")
    *_, converged, _, _ = _run("optimizer.lr=0.005", "training.epochs=1000")
    fig = run.compare_figure({"too fast": diverged, "fine": converged})
    (ax,) = fig.axes
    low, high = ax.get_ylim()
    assert high <= 100 * converged.loss[0]  # was 1e248, which flattened the converged run
    assert low <= converged.loss.min() and converged.loss.max() <= high
    assert draw(fig) == [] and outside(fig) == []
    labels = legend_labels(fig)
    assert labels[1] == "fine (completed)"
    left = re.fullmatch(r"too fast \(diverged, leaves the frame at epoch (\d+)\)", labels[0])
    assert left is not None
    epoch = int(left.group(1))
    assert diverged.loss[epoch] > high >= diverged.loss[epoch - 1]
    (marker,) = [line for line in ax.get_lines() if line.get_marker() == "^"]
    assert list(marker.get_xdata()) == [epoch]  # drawn where it leaves, on the top edge


def test_without_a_display_no_window_is_promised() -> None:
    assert common.can_show() is False  # conftest removes DISPLAY and sets Agg


def test_log_axes_are_labelled_in_plain_text_not_mathtext(tmp_path: Path) -> None:
    from gdlab.plots.common import PlainLogLabels

    labels = PlainLogLabels()
    assert [labels(v) for v in (0.01, 1.0, 100.0, -1000.0, 0.0)] == [
        "10⁻²",
        "10⁰",
        "10²",
        "−10³",
        "0",
    ]
    assert PlainLogLabels(labelOnlyBase=False)(0.2) == "2×10⁻¹"
    *_, history, _, _ = _run()
    fig = run.loss_figure(history, lr=0.005, noise_variance=1.0)
    common.save_png(fig, tmp_path / "loss.png")  # drawing sets the tick labels
    (ax,) = fig.axes
    texts = [t.get_text() for t in [*ax.get_yticklabels(), *ax.get_xticklabels()]]
    assert "10²" in texts and "10³" in texts  # the loss axis, the epoch axis
    assert not any("$" in t for t in texts)  # no mathtext, whose parser costs 0.3 s to build


def test_a_polynomial_fit_draws_its_curves_over_x() -> None:
    X, y, history, ls, truth = _run("model.degree=3", "data.true_w=[1, -0.3, 0.02]")
    fig = run.fit_figure(X, y, (history.final_w, history.final_b), ls, truth, "fit", degree=3)
    (ax,) = fig.axes
    assert ax.get_xlabel() == "x"
    (scatter,) = ax.collections
    np.testing.assert_array_equal(scatter.get_offsets()[:, 0], X[:, 0])  # y against x itself
    curve = next(line for line in ax.get_lines() if line.get_label().startswith("least"))
    x, y_curve = (np.asarray(v) for v in curve.get_data())
    expected = ls.b + ls.w[0] * x + ls.w[1] * x**2 + ls.w[2] * x**3
    np.testing.assert_allclose(y_curve, expected, rtol=1e-9, atol=1e-9)


def test_the_loss_frame_leaves_room_above_only_when_a_run_grows() -> None:
    falling, slower = np.array([300.0, 10.0, 1.0]), np.array([300.0, 100.0, 50.0])
    growing = np.array([300.0, 1e5, 1e200, np.inf])
    calm = common.loss_frame([falling, slower])
    assert calm == common.log_limits(np.concatenate([falling, slower]), None)
    assert calm[1] < 3000  # the frame fits the curves, with a little room
    bottom, top = common.loss_frame([falling, growing])
    assert bottom == calm[0] and top == pytest.approx(300 * 100)


def test_compare_tells_many_runs_apart_by_a_colour_bar() -> None:
    X, y, history, ls, truth = _run()
    curves = {f"run{i}": history for i in range(12)}
    fig = run.compare_figure(curves)
    ax = fig.axes[0]
    assert ax.get_legend() is None and len(fig.axes) == 2  # the plot and its colour bar
    few = run.compare_figure({"a": history, "b": history})
    assert few.axes[0].get_legend() is not None and len(few.axes) == 1
