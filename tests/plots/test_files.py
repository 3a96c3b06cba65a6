"""The figures a run folder and a sweep folder get, drawn in this process or by helpers."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image as mpimg
import pytest

from gdlab.plots import files
from gdlab.record.build import load_data, prepare, run_training
from gdlab.record.config import load_config

ONE_FEATURE = {
    "fit.png",
    "loss.png",
    "params.png",
    "contour.png",
    "evolution.png",
    "eigenmodes.png",
}


def _finished(*overrides: str):  # type: ignore[no-untyped-def]
    config = load_config(overrides=["training.epochs=200", *overrides])
    problem = prepare(config, *load_data(config))
    return config, problem, run_training(config, problem.X_train, problem.y)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ([], ONE_FEATURE),
        (
            ["data.true_w=[1, 2]", "optimizer.lr=0.001"],
            {"fit.png", "loss.png", "params.png", "eigenmodes.png"},
        ),
        (["output.plots=false"], set()),
        (["output.plots=false", "output.animate=true"], {"evolution.gif"}),
    ],
    ids=["one feature", "two features", "none", "only the animation"],
)
def test_a_run_gets_the_figures_its_config_asks_for(
    tmp_path: Path, overrides: list[str], expected: set[str]
) -> None:
    files.draw_run(tmp_path, *_finished(*overrides))
    assert {p.name for p in tmp_path.iterdir()} == expected


def test_helpers_draw_the_same_figures_as_this_process(tmp_path: Path) -> None:
    config, problem, history = _finished()
    alone, shared = tmp_path / "alone", tmp_path / "shared"
    alone.mkdir(), shared.mkdir()
    files.draw_run(alone, config, problem, history)
    drawing = files.Drawing()
    try:
        drawing(shared, config, problem, history)
    finally:
        drawing.cancel()
    assert {p.name for p in shared.iterdir()} == {p.name for p in alone.iterdir()} == ONE_FEATURE
    for name in ONE_FEATURE:
        assert mpimg.imread(shared / name).shape == mpimg.imread(alone / name).shape


def test_sharing_a_run_that_draws_nothing_writes_nothing(tmp_path: Path) -> None:
    config, problem, history = _finished("output.plots=false")
    files.draw_run_in_shares(tmp_path, config, problem, history)
    assert list(tmp_path.iterdir()) == []
