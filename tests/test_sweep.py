"""Sweeps: expansion, a real three-rate sweep, failures, bad grids, and the figures."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from gdlab.cli import app
from gdlab.record import runner as runner_module
from gdlab.record import sweep as sweep_module
from gdlab.record.config import ConfigError
from gdlab.record.schema import Config
from gdlab.record.sweep import disagreements, load_sweep

from .conftest import REPO
from .test_cli import RUN_FILES

cli = CliRunner()
STUDY = str(REPO / "configs" / "lr_study.yaml")
FEW = ["--set", "training.epochs=300"]


def _sweep_dir(results: Path) -> Path:
    (folder,) = (results / "sweeps").iterdir()
    return folder


def _rows(folder: Path) -> list[dict[str, str]]:
    with (folder / "sweep.csv").open() as f:
        return list(csv.DictReader(f))


def test_grid_keys_give_their_product_and_seeds_repeat_every_point() -> None:
    sweep = load_sweep(None, ["optimizer.lr=0.001,0.01", "training.epochs=10,20,30"], seeds="1,2")
    assert len(sweep.points) == 2 * 3 * 2
    assert {p.config.data.seed for p in sweep.points} == {1, 2}
    assert sweep.points[0].label == "001-lr=0.001-epochs=10-seed=1"
    assert len({p.label for p in sweep.points}) == 12


def test_the_study_file_is_the_seeds_three_rates() -> None:
    sweep = load_sweep(Path(STUDY))
    assert [p.config.optimizer.lr for p in sweep.points] == [0.001, 0.005, 0.1]
    assert all(
        p.config.training.epochs == 10_000 and p.config.data.seed == 42 for p in sweep.points
    )


def test_a_three_rate_sweep_records_the_divergence_and_carries_on(tmp_path: Path) -> None:
    result = cli.invoke(app, ["sweep", "--config", STUDY, *FEW])
    assert result.exit_code == 0, result.output
    folder = _sweep_dir(tmp_path / "results")
    assert {p.name for p in folder.iterdir()} >= {
        "sweep.yaml",
        "sweep.csv",
        "runs",
        "loss_curves.png",
        "trajectories.png",
        "distance_vs_lr.png",
    }
    children = sorted((folder / "runs").iterdir())
    assert [c.name for c in children] == ["001-lr=0.001", "002-lr=0.005", "003-lr=0.1"]
    for child in children:
        assert {p.name for p in child.iterdir()} == RUN_FILES
    rows = _rows(folder)
    assert [r["status"] for r in rows] == ["completed", "completed", "diverged"]
    assert rows[2]["observed_first_inf_epoch"] == rows[2]["predicted_first_inf_epoch"] == "208"
    assert rows[2]["predicted_outcome"] == rows[2]["observed_outcome"] == "diverges"
    assert "diverged" in result.stdout and "disagree" not in result.stdout


def test_predictions_agree_with_observations_on_the_full_study(tmp_path: Path) -> None:
    result = cli.invoke(app, ["sweep", "--config", STUDY, "--set", "output.plots=false"])
    assert result.exit_code == 0, result.output
    rows = _rows(_sweep_dir(tmp_path / "results"))
    typed = [{k: (int(v) if v.isdigit() else v or None) for k, v in r.items()} for r in rows]
    for row in typed:
        row["epochs_run"] = int(row["epochs_run"])  # type: ignore[arg-type]
    assert disagreements(typed) == []  # type: ignore[arg-type]
    slow, stable, fast = typed
    assert slow["observed_epochs_to_tol"] is None and slow["predicted_epochs_to_tol"] > 10_000
    assert stable["observed_epochs_to_tol"] == stable["predicted_epochs_to_tol"]
    assert fast["observed_first_nan_epoch"] == fast["predicted_first_nan_epoch"]
    # b is the slow coordinate: it needs more epochs than w.
    assert stable["observed_epochs_to_tol_b"] > stable["observed_epochs_to_tol_w"]


def test_a_failing_point_is_recorded_and_the_rest_still_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_train = runner_module.train

    def flaky(config, X, y, on_progress=None):  # type: ignore[no-untyped-def]
        if config.optimizer.lr == 0.005:
            raise RuntimeError("simulated crash")
        return real_train(config, X, y, on_progress)

    monkeypatch.setattr(runner_module, "train", flaky)
    # The reference path runs each point through runner.train, where the fault is injected.
    args = [
        "sweep",
        "--config",
        STUDY,
        *FEW,
        "--set",
        "output.plots=false",
        "--set",
        "training.fast=false",
    ]
    result = cli.invoke(app, args)
    assert result.exit_code == 1
    assert "002-lr=0.005: RuntimeError: simulated crash" in result.stdout.replace("\n", "")
    folder = _sweep_dir(tmp_path / "results")
    rows = _rows(folder)
    assert [r["status"] for r in rows] == ["completed", "failed", "diverged"]
    assert rows[1]["error"] == "RuntimeError: simulated crash"
    child = folder / "runs" / "002-lr=0.005"
    assert '"status": "failed"' in (child / "summary.json").read_text()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--grid", "optimizer.lrr=0.1,0.2"], ["unknown key 'optimizer.lrr'", "optimizer.lr"]),
        (["--grid", "optimizer.lr=0.1,-1"], ["grid point 2", "optimizer.lr = -1", "> 0"]),
        (["--grid", "optimizer.lr"], ["KEY=V1,V2"]),
        (["--seeds", "a,b"], ["--seeds", "whole numbers"]),
        (["--set", "training.epochs=0"], ["training.epochs = 0"]),
    ],
)
def test_bad_sweeps_exit_2_before_anything_is_written(
    tmp_path: Path, args: list[str], words: list[str]
) -> None:
    result = cli.invoke(app, ["sweep", *args])
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    for word in words:
        assert word in line
    assert not (tmp_path / "results").exists()


def test_a_sweep_file_with_an_unknown_key_names_it(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("grid:\n  optimizer.lr: [0.1]\ngrdi: 1\n")
    with pytest.raises(ConfigError, match="unknown key 'grdi'"):
        load_sweep(path)


def test_sweep_figures_have_their_axes(tmp_path: Path) -> None:
    from gdlab.plots.sweep import SweepRun, distance_figure, loss_curves_figure
    from gdlab.record.sweep import run_sweep

    sweep = load_sweep(
        Path(STUDY), overrides=["training.epochs=300", "output.plots=false"], seeds="1,2"
    )
    results = run_sweep(sweep, tmp_path / "s", ["test"], draw=False)
    runs = [SweepRun(r.point.values, r.run.history, r.run.summary) for r in results if r.run]
    (ax,) = loss_curves_figure(runs).axes
    assert ax.get_yscale() == "log"
    assert sum("(mean of 2)" in str(line.get_label()) for line in ax.get_lines()) == 3
    (ax,) = distance_figure(runs).axes
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    labels = [str(line.get_label()) for line in ax.get_lines()]
    assert any(label.startswith("critical lr") for label in labels)
    assert any(label.startswith("diverged") for label in labels)


def test_points_trained_together_match_runs_trained_alone(tmp_path: Path) -> None:
    from gdlab.record.config import load_config

    configs = [
        load_config(
            overrides=[
                f"optimizer.lr={lr}",
                f"data.seed={seed}",
                "training.epochs=1500",
                f"training.log_every={every}",
                *extra,
            ]
        )
        for lr in (0.001, 0.02, 0.0314, 0.05, 0.1)
        for seed in (1, 42)
        for every, extra in ((1, []), (7, ["training.tol=1e-4"]))
    ]
    for every in (1, 7):
        _assert_together_is_alone([c for c in configs if c.training.log_every == every])


def test_points_with_several_features_and_their_own_ends_match_runs_trained_alone() -> None:
    from gdlab.record.config import load_config

    # Three weights (p = 4: the ordered sums are longer than two terms), epochs that end
    # inside a block and between logged rows, tolerances met and missed, a divergence.
    group = [
        load_config(
            overrides=[
                "data.true_w=[1, -2, 0.5]",
                "data.x_max=3",
                f"optimizer.lr={lr}",
                f"training.epochs={epochs}",
                f"training.tol={tol}",
                "training.log_every=5",
            ]
        )
        for lr, epochs, tol in (
            (0.002, 1000, "null"),
            (0.02, 777, "1e-3"),  # tol not met: completes
            (0.1, 2000, "1e-3"),  # converges at epoch 309
            (0.05, 2000, "1e-9"),
            (0.3, 1500, "null"),
            (0.001, 63, "null"),
        )
    ]
    _assert_together_is_alone(group)
    _assert_together_is_alone(group[1:2])  # a batch of one


def _assert_together_is_alone(group: list[Config]) -> None:
    from gdlab.core.batch import train_together
    from gdlab.core.train import train
    from gdlab.record.runner import load_data

    data = [load_data(c) for c in group]
    statuses = set()
    for config, together, (X, y) in zip(group, train_together(group, data), data, strict=True):
        alone = train(config, X, y)
        for field in ("epoch", "loss", "w", "b", "grad_w", "grad_b"):
            np.testing.assert_array_equal(getattr(together, field), getattr(alone, field))
        assert (
            together.status,
            together.epochs_run,
            together.first_inf_epoch,
            together.first_nan_epoch,
        ) == (alone.status, alone.epochs_run, alone.first_inf_epoch, alone.first_nan_epoch)
        statuses.add(alone.status)
    assert len(group) == 1 or len(statuses) > 1  # the group tells its points apart


def test_a_batched_sweep_child_verifies_and_a_failed_batch_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = cli.invoke(app, ["sweep", "--config", STUDY, *FEW, "--set", "output.plots=false"])
    assert result.exit_code == 0, result.output
    child = _sweep_dir(tmp_path / "results") / "runs" / "002-lr=0.005"
    verified = cli.invoke(app, ["verify", str(child)])
    assert verified.exit_code == 0, verified.output

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("batch failed")

    monkeypatch.setattr(sweep_module, "train_together", broken)
    again = cli.invoke(
        app, ["sweep", "--config", STUDY, *FEW, "--set", "output.plots=false", "-r", "again"]
    )
    assert again.exit_code == 0, again.output
    (folder,) = (tmp_path / "again" / "sweeps").iterdir()
    assert [r["status"] for r in _rows(folder)] == ["completed", "completed", "diverged"]
