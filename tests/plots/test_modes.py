"""eigenmodes.png: one solid line per eigenvector, its prediction dashed, the tolerance dotted."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
from matplotlib.lines import Line2D

from gdlab.plots import common, modes
from gdlab.record.build import load_data, prepare, run_training
from gdlab.record.config import load_config
from tests.plots.artists import draw, legend_labels, outside


def _figure(*overrides: str):  # type: ignore[no-untyped-def]
    config = load_config(overrides=["training.epochs=1000", *overrides])
    problem = prepare(config, *load_data(config))
    history = run_training(config, problem.X_train, problem.y)
    rule = modes.predictable_rule(config, problem.X.shape[0])
    return modes.eigenmodes_figure(history, problem.trained, config, rule), history


def _lines(ax, style: str) -> list[Line2D]:  # type: ignore[no-untyped-def]
    """The lines of one style that carry data (the legend's dashed key has none)."""
    return [ln for ln in ax.get_lines() if ln.get_linestyle() == style and len(ln.get_xdata())]


def test_the_seed_run_shows_a_slow_b_direction_and_a_fast_w_one(tmp_path: Path) -> None:
    fig, _ = _figure()
    whole, zoom = fig.axes  # the fast direction is done by epoch ~100: a panel of its own
    assert whole.get_yscale() == zoom.get_yscale() == "log"
    assert zoom.get_xlim()[1] < 200 < whole.get_xlim()[1]
    labels = legend_labels(fig)
    assert labels[:2] == [
        "v1, λ = 0.465, 98% b: × 0.9977 per epoch",
        "v2, λ = 63.7, 98% w: × 0.6813 per epoch",
    ]
    assert "predicted" in labels and "theory.tol = 0.001" in labels
    assert len(_lines(whole, "-")) == len(_lines(whole, "--")) == 2
    # Measured and predicted agree while the error is far above float64's rounding.
    measured, predicted = _lines(zoom, "-"), _lines(zoom, "--")
    for solid, dashed in zip(measured, predicted, strict=True):
        early = solid.get_xdata() <= 60
        np.testing.assert_array_equal(solid.get_xdata(), dashed.get_xdata())
        np.testing.assert_allclose(solid.get_ydata()[early], dashed.get_ydata()[early], rtol=1e-6)
    tol = [ln for ln in whole.get_lines() if ln.get_linestyle() == ":"]
    assert [ln.get_ydata()[0] for ln in tol] == [0.001]
    assert "lr = 0.005" in fig._suptitle.get_text()
    assert draw(fig) == [] and outside(fig) == []
    common.save_png(fig, tmp_path / "eigenmodes.png")
    assert mpimg.imread(tmp_path / "eigenmodes.png").shape[2] in (3, 4)


@pytest.mark.parametrize(
    ("overrides", "n_modes", "predicted", "title"),
    [
        (["optimizer.name=momentum"], 2, True, "β = 0.9"),
        (["optimizer.lr=0.1"], 2, True, "diverged"),
        (["data.true_w=[3, -1]", "optimizer.lr=0.001"], 3, True, "lr = 0.001"),
        (["model.intercept=false"], 1, True, "gd"),
        (["optimizer.name=adam", "optimizer.lr=0.05"], 2, False, "adam"),
    ],
    ids=["momentum", "diverging", "two features", "no intercept", "adam"],
)
def test_every_kind_of_run_gets_its_modes_framed_without_a_warning(
    overrides: list[str], n_modes: int, predicted: bool, title: str
) -> None:
    fig, _ = _figure(*overrides)
    ax = fig.axes[0]
    assert len(_lines(ax, "-")) == n_modes
    assert len(_lines(ax, "--")) == (n_modes if predicted else 0)
    assert title in fig._suptitle.get_text()
    how = ax.get_title()
    assert ("dashed" in how) if predicted else ("covers full-batch gd and momentum" in how)
    bottom, top = ax.get_ylim()
    for line in _lines(ax, "-") + _lines(ax, "--"):  # 0, inf and nan drawn just off the axis
        y = line.get_ydata()
        assert np.all(np.isfinite(y)) and np.all((y >= bottom / 10) & (y <= top * 10))
    assert draw(fig) == [] and outside(fig) == []


@pytest.mark.parametrize(
    "overrides",
    [
        ["optimizer.schedule={name: step, step_size: 200, gamma: 0.5}", "optimizer.lr=0.02"],
        ["optimizer.weight_decay=0.01"],
        ["optimizer.name=momentum", "optimizer.weight_decay=0.01"],
    ],
    ids=["step schedule", "weight decay", "momentum with decay"],
)
def test_schedules_and_weight_decay_are_predicted_where_the_run_goes(overrides: list[str]) -> None:
    """The dashed curves follow the run: the schedule's factors multiplied, or the bowl of
    H + wd I walked to the ridge optimum (an offset that stays along each eigenvector)."""
    config = load_config(overrides=["training.epochs=1000", *overrides])
    problem = prepare(config, *load_data(config))
    history = run_training(config, problem.X_train, problem.y)
    rule = modes.predictable_rule(config, problem.X.shape[0])
    assert rule is not None
    found = modes._modes(history, problem.trained, rule)
    assert found.predicted is not None
    seen = np.abs(found.measured) > found.floor[:, None] * 1e6  # far above float64's rounding
    assert np.allclose(found.predicted[seen], found.measured[seen], rtol=1e-6, atol=0)
