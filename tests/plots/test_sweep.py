"""The figures that compare a sweep's runs, at 3 points and at 200."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from gdlab.plots.distance import distance_figure
from gdlab.plots.sweep import SweepRun, loss_curves_figure, trajectories_figure
from gdlab.record.build import load_data, path_for, prepare, run_training
from gdlab.record.config import load_config
from gdlab.record.grid import load_sweep
from gdlab.record.summary import summarize
from gdlab.record.sweep import run_sweep
from tests.conftest import REPO
from tests.plots.artists import colour_bars, draw, legend_labels, outside

STUDY = str(REPO / "configs" / "lr_study.yaml")
LR_BAR = ["optimizer.lr (log scale)"]
# The distance figure has lr on its x axis: its colour would say nothing more.
FIGURES = [(loss_curves_figure, LR_BAR), (trajectories_figure, LR_BAR), (distance_figure, [])]


@pytest.fixture(scope="module")
def two_hundred() -> list[SweepRun]:
    """200 rates from 1e-4 to 0.1 (critical: 0.0314), each run as a sweep point would be.

    250 epochs, so the fastest rates overflow (inf from epoch 208 at 0.1).
    """
    base = load_config(overrides=["training.epochs=250"])
    problem = prepare(base, *load_data(base))
    runs = []
    for lr in (float(f"{v:.4g}") for v in np.geomspace(1e-4, 0.1, 200)):
        config = load_config(overrides=[f"optimizer.lr={lr}", "training.epochs=250"])
        history = run_training(config, problem.X_train, problem.y)
        summary = summarize(config, history, problem, path_for(config, problem))
        runs.append(SweepRun({"optimizer.lr": lr}, history, summary))
    return runs


def test_sweep_figures_have_their_axes(tmp_path: Path) -> None:
    sweep = load_sweep(
        Path(STUDY), overrides=["training.epochs=300", "output.plots=false"], seeds="1,2"
    )
    results = run_sweep(sweep, tmp_path / "s", ["test"])
    runs = [SweepRun(r.point.values, r.run.history, r.run.summary) for r in results if r.run]
    fig = loss_curves_figure(runs)
    ax, bar = fig.axes
    assert ax.get_yscale() == "log"
    assert colour_bars(fig) == ["optimizer.lr (log scale)"]
    assert [t.get_text() for t in bar.get_yticklabels()] == ["0.001", "0.005", "0.1"]
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 3  # a mean and a band per rate, over the two seeds
    assert "mean of 2 seeds (line), lowest to highest (band)" in legend_labels(fig)
    fig = distance_figure(runs)
    assert fig.axes[0].get_xscale() == "log" and fig.axes[0].get_yscale() == "log"
    labels = legend_labels(fig)
    assert any(label.startswith("critical lr") for label in labels)
    assert any(label.startswith("diverged") for label in labels)


@pytest.mark.parametrize(("figure", "bars"), FIGURES, ids=[f.__name__ for f, _ in FIGURES])
def test_200_points_get_a_colour_bar_not_200_legend_entries_and_no_warning(
    two_hundred: list[SweepRun], figure: object, bars: list[str]
) -> None:
    fig: Figure = figure(two_hundred)  # type: ignore[operator]
    assert draw(fig) == []  # was: "constrained_layout not applied", from a 200-entry legend
    assert colour_bars(fig) == bars
    assert len(legend_labels(fig)) <= 6
    assert outside(fig) == []
    if figure is loss_curves_figure:
        curves = [line for line in fig.axes[0].get_lines() if len(line.get_xdata()) > 1]
        assert len(curves) == 200
        colours = {tuple(line.get_color()) for line in curves}
        assert len(colours) > 100  # one scale, a shade per rate


def test_a_diverged_runs_distance_leaves_the_frame_of_the_converged_ones(
    two_hundred: list[SweepRun],
) -> None:
    fig = distance_figure(two_hundred)
    calm = [
        r.summary["distance_to_least_squares"]
        for r in two_hundred
        if r.summary["theory"]["observed"]["outcome"] == "converges"
    ]
    draw(fig)
    assert fig.axes[0].get_ylim()[1] < 100 * max(calm)  # not up at the 1e60 a grown run reached


def _renamed(runs: list[SweepRun], values: list[dict[str, object]]) -> list[SweepRun]:
    return [SweepRun(v, r.history, r.summary) for v, r in zip(values, runs, strict=False)]


def test_few_names_keep_a_legend_and_many_get_a_colour_bar_of_names(
    two_hundred: list[SweepRun],
) -> None:
    few = _renamed(two_hundred, [{"optimizer.name": n} for n in ("gd", "momentum", "adam")])
    fig = loss_curves_figure(few)
    assert colour_bars(fig) == []
    assert legend_labels(fig)[:3] == ["name=gd", "name=momentum", "name=adam"]
    many = _renamed(two_hundred, [{"data.csv": f"set{i}.csv"} for i in range(12)])
    fig = loss_curves_figure(many)
    assert draw(fig) == [] and outside(fig) == []
    assert colour_bars(fig) == ["data.csv"]
    names = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert names[:2] == ["set0.csv", "set1.csv"]
    assert not any(label.startswith("csv=") for label in legend_labels(fig))


def test_a_second_key_is_told_by_dashes(two_hundred: list[SweepRun]) -> None:
    values = [
        {"optimizer.name": name, "optimizer.lr": lr, "training.tol": tol}
        for name in ("gd", "adam")
        for lr in (1e-3, 1e-2)
        for tol in (0, 1e-9, 1e-8, 1e-7, 1e-6)
    ]
    fig = trajectories_figure(_renamed(two_hundred[::10], values))
    assert colour_bars(fig) == ["training.tol"]  # the key with the most values
    labels = legend_labels(fig)
    assert "name=gd" in labels and "name=adam" in labels
    assert "also swept, not told apart: optimizer.lr" in labels  # two keys of few values
    dashes = {line.get_linestyle() for line in fig.axes[0].get_lines()}
    assert {"-", "--"} <= dashes


def test_past_200_series_the_curves_are_an_even_spread_and_say_so() -> None:
    from gdlab.plots.sweep import MOST_SERIES, spread

    groups = {f"lr={k}": [] for k in range(450)}
    shown, words = spread(groups)  # type: ignore[arg-type]
    keys = list(shown)
    assert len(keys) == MOST_SERIES and keys[0] == "lr=0" and keys[-1] == "lr=449"
    gaps = np.diff([int(k[3:]) for k in keys])
    assert gaps.min() >= 2 and gaps.max() <= 3  # evenly spread, not the first 200
    assert words == "200 of 450 series, evenly spread"
    assert spread(dict(list(groups.items())[:200])) == (dict(list(groups.items())[:200]), "")  # type: ignore[arg-type]


def test_a_seed_mean_leaves_the_top_when_one_seed_overflows_and_does_not_come_back() -> None:
    """Two seeds: one settles, one overflows to inf, turns nan and stops. The mean rises with
    it and stays off the chart (it was drawn dropping back to the other seed's loss)."""
    from gdlab.plots import sweep as sweep_plots

    settles = np.geomspace(300.0, 1.0, 10)
    grows = np.array([300.0, 1e3, 1e30, 1e200, np.inf, np.inf, np.nan])
    rows = sweep_plots._stack([settles, grows], 10)
    ax = Figure().add_subplot()
    sweep_plots._draw_series(ax, np.arange(10), rows, {"color": "C0"}, ceiling=1e6)
    (line,) = ax.get_lines()
    mean = np.asarray(line.get_ydata(), dtype=float)
    assert np.all(np.isfinite(mean[:4])) and np.all(np.isnan(mean[4:]))
    (band,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert band.get_paths()[0].vertices[:, 1].max() == pytest.approx(1e6)  # to the top
