"""The 'inside' figures of a one-feature run: the loss surface and the moving line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from gdlab.core.lstsq import least_squares
from gdlab.plots import surface
from gdlab.plots.common import Truth
from gdlab.record.build import load_data, prepare, run_training
from gdlab.record.config import load_config
from tests.plots.artists import draw, legend_labels, outside


def test_inside_figures_have_their_artists(tmp_path: Path) -> None:
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


def test_a_diverged_runs_lines_say_diverged_not_absurd_equations() -> None:
    config = load_config(overrides=["optimizer.lr=0.1", "training.epochs=1000"])
    X, y = load_data(config)
    problem = prepare(config, X, y)
    history = run_training(config, X, y)
    fig = surface.evolution_figure(X, y, history, problem.scaling, 0.1)
    last = f"epoch {history.epochs_run}: w and b overflowed (diverged)"
    assert legend_labels(fig)[1:] == [
        "epoch 0: y = 0x + 0",
        "epoch 1: y = 20.6x + 3.32",
        "epoch 10: outside the frame (diverged)",  # was: y = -6.5e+07x + -1.02e+07
        "epoch 100: outside the frame (diverged)",
        last,
    ]
    ax = fig.axes[0]
    low, high = ax.get_ylim()
    assert low < y.min() and y.max() < high < 2 * y.max()  # framed by the data, not the lines
    assert draw(fig) == [] and outside(fig) == []


def test_equations_write_their_signs_once() -> None:
    frame, line = (-10.0, 10.0), np.array([0.0, 1.0])
    label = surface.line_label(7, -0.5, -1.25, line, frame, "completed")
    assert label == "epoch 7: y = −0.5x − 1.25"
    assert surface.line_label(7, 1.0, 20.0, line + 20, frame, "completed") == (
        "epoch 7: outside the frame"
    )
