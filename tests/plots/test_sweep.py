"""The figures that compare a sweep's runs."""

from __future__ import annotations

from pathlib import Path

from gdlab.plots.sweep import SweepRun, distance_figure, loss_curves_figure
from gdlab.record.grid import load_sweep
from gdlab.record.sweep import run_sweep
from tests.conftest import REPO

STUDY = str(REPO / "configs" / "lr_study.yaml")


def test_sweep_figures_have_their_axes(tmp_path: Path) -> None:
    sweep = load_sweep(
        Path(STUDY), overrides=["training.epochs=300", "output.plots=false"], seeds="1,2"
    )
    results = run_sweep(sweep, tmp_path / "s", ["test"])
    runs = [SweepRun(r.point.values, r.run.history, r.run.summary) for r in results if r.run]
    (ax,) = loss_curves_figure(runs).axes
    assert ax.get_yscale() == "log"
    assert sum("(mean of 2)" in str(line.get_label()) for line in ax.get_lines()) == 3
    (ax,) = distance_figure(runs).axes
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    labels = [str(line.get_label()) for line in ax.get_lines()]
    assert any(label.startswith("critical lr") for label in labels)
    assert any(label.startswith("diverged") for label in labels)
