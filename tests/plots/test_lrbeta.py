"""The (lr, beta) map of a momentum sweep: drawn for that grid alone, with the theory on it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest

from gdlab.plots import lrbeta
from gdlab.plots.files import draw_sweep
from gdlab.record.grid import PointResult, load_sweep
from gdlab.record.sweep import run_sweep
from tests.plots.artists import colour_bars, draw, legend_labels, outside

# 0.005 needs 3,129 epochs at beta 0 and about 1,600 at 0.5 (1,500 run); 0.1, and 0.05
# below beta 0.57, diverge (the edge: lr = 2 (1 + beta) / 63.7).
GRID = ["optimizer.lr=0.005,0.02,0.05,0.1", "optimizer.momentum=0,0.5,0.9"]
MOMENTUM = ["optimizer.name=momentum", "training.epochs=1500", "output.plots=false"]


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[PointResult]]:
    """A real 4 x 3 sweep of heavy ball on the seed's data, its figures drawn."""
    folder = tmp_path_factory.mktemp("lrbeta") / "s"
    sweep = load_sweep(None, GRID, overrides=MOMENTUM)
    return folder, run_sweep(sweep, folder, ["test"], draw_sweep=draw_sweep)


def test_a_momentum_sweep_over_lr_and_beta_draws_the_map(
    swept: tuple[Path, list[PointResult]],
) -> None:
    folder, results = swept
    image = mpimg.imread(folder / lrbeta.FILE)
    assert image.ndim == 3 and image.shape[0] > 500
    grid = lrbeta.lr_beta_grid(results)
    assert grid is not None
    assert grid.diverged.sum() == 5 and grid.not_reached.sum() == 2
    fig = lrbeta.lr_beta_figure(grid, lrbeta.predicted_marks(grid))
    assert draw(fig) == [] and outside(fig) == []
    assert colour_bars(fig) == ["observed epochs until within tol = 0.001 for good (log)"]
    labels = legend_labels(fig)
    for start in ("stability edge", "critical damping, slow", "critical damping, fast"):
        assert any(label.startswith(start) for label in labels), start
    assert "optimal pair (Polyak): lr 0.0533, β 0.71, 77 epochs predicted" in labels
    assert "diverged" in labels and "not within tol after 1,500 epochs" in labels
    star = [line for line in fig.axes[0].get_lines() if line.get_marker() == "*"]
    assert len(star) == 1


@pytest.mark.parametrize("nesterov", [False, True])
def test_the_stability_edge_is_drawn_where_the_theory_puts_it(
    swept: tuple[Path, list[PointResult]], nesterov: bool
) -> None:
    grid = lrbeta.lr_beta_grid(swept[1])
    assert grid is not None
    optimizer = replace(grid.config.optimizer, nesterov=nesterov)
    grid = replace(grid, config=replace(grid.config, optimizer=optimizer))
    fig = lrbeta.lr_beta_figure(grid, lrbeta.predicted_marks(grid))
    (edge,) = [line for line in fig.axes[0].get_lines() if line.get_label().startswith("stab")]
    lr, beta = np.asarray(edge.get_xdata()), np.asarray(edge.get_ydata())
    lam_max = grid.eigenvalues[-1]
    expected = 2 * (1 + beta) / ((1 + 2 * beta) if nesterov else 1) / lam_max
    np.testing.assert_allclose(lr, expected, rtol=1e-12)
    assert beta.min() == 0.0


def test_a_sweep_over_lr_alone_draws_no_map(tmp_path: Path) -> None:
    sweep = load_sweep(
        None, ["optimizer.lr=0.005,0.02"], overrides=[*MOMENTUM, "training.epochs=200"]
    )
    results = run_sweep(sweep, tmp_path / "s", ["test"], draw_sweep=draw_sweep)
    assert lrbeta.lr_beta_grid(results) is None
    assert (tmp_path / "s" / "loss_curves.png").exists()
    assert "figures" not in json.loads((tmp_path / "s" / "summary.json").read_text())  # none failed
    assert not (tmp_path / "s" / lrbeta.FILE).exists()


def test_each_cell_says_its_count_until_the_cells_are_too_small(
    swept: tuple[Path, list[PointResult]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, results = swept
    grid = lrbeta.lr_beta_grid(results)
    assert grid is not None
    reached = int(np.isfinite(grid.epochs).sum())

    def counts() -> int:
        return len(lrbeta.lr_beta_figure(grid, lrbeta.predicted_marks(grid)).axes[0].texts)

    assert counts() == reached
    monkeypatch.setattr(lrbeta, "COUNTED_COLUMNS", grid.epochs.shape[1] - 1)  # one rate too many
    assert counts() == 0


def test_fifty_betas_get_labels_that_keep_apart_and_tell_them_apart() -> None:
    """50 betas from 0 to 0.99 crowd the low end of the -log(1 - beta) axis: a label each
    was one black smear. Labelled: the ends and betas a sixteenth of the axis apart."""
    betas = np.linspace(0, 0.99, 50)
    ticks = lrbeta.beta_ticks(betas)
    spread = -np.log(1 - np.array(ticks))
    assert ticks[0] == 0 and ticks[-1] == 0.99 and len(ticks) <= lrbeta.MOST_BETA_TICKS + 1
    assert np.all(np.diff(spread) >= (spread[-1] - spread[0]) / lrbeta.MOST_BETA_TICKS - 1e-12)
    labels = [lrbeta.beta_label(b) for b in ticks]
    assert len(set(labels)) == len(labels) and max(map(len, labels)) <= 5
    assert [lrbeta.beta_label(b) for b in (0, 0.5, 0.9, 0.99, 0.999, 0.9999)] == [
        *("0", "0.5", "0.9", "0.99", "0.999", "0.9999")
    ]
    assert lrbeta.beta_ticks(np.array([0, 0.5, 0.9])) == [0, 0.5, 0.9]  # few: every one
