"""Sweeps: expansion, a real three-rate sweep, failures, bad grids, and the figures."""

from __future__ import annotations

import csv
import json
import os
import pickle
import signal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gdlab.cli import app
from gdlab.record import launch, prepared
from gdlab.record import runner as runner_module
from gdlab.record.sweep_files import disagreements
from tests.cli.test_cli import RUN_FILES
from tests.conftest import REPO

cli = CliRunner()
STUDY = str(REPO / "configs" / "lr_study.yaml")
FEW = ["--set", "training.epochs=300"]
QUICK = ["--set", "training.epochs=300", "--set", "output.plots=false"]


def _sweep_dir(results: Path) -> Path:
    (folder,) = (results / "sweeps").iterdir()
    return folder


def _rows(folder: Path) -> list[dict[str, str]]:
    with (folder / "sweep.csv").open() as f:
        return list(csv.DictReader(f))


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
        assert {p.name for p in child.iterdir()} == RUN_FILES - {
            "explore.html"
        }  # a point has no page: the sweep has one
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
    real_train = runner_module.run_training

    def flaky(config, X, y, on_progress=None, path=None):  # type: ignore[no-untyped-def]
        if config.optimizer.lr == 0.005:
            raise RuntimeError("simulated crash")
        return real_train(config, X, y, on_progress, path)

    monkeypatch.setattr(runner_module, "run_training", flaky)
    # The four functions run each point alone, through runner.run_training: the fault is there.
    args = [
        "sweep",
        "--config",
        STUDY,
        *FEW,
        "--set",
        "output.plots=false",
        "--set",
        "training.fast=false",
        "--jobs",
        "1",  # the fault is patched into this process
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

    monkeypatch.setattr(launch, "train_together", broken)
    again = cli.invoke(
        app, ["sweep", "--config", STUDY, *FEW, "--set", "output.plots=false", "-r", "again"]
    )
    assert again.exit_code == 0, again.output
    (folder,) = (tmp_path / "again" / "sweeps").iterdir()
    assert [r["status"] for r in _rows(folder)] == ["completed", "completed", "diverged"]


def _sweep_rows(folder: Path) -> list[dict[str, str]]:
    with (folder / "sweep.csv").open() as f:
        return list(csv.DictReader(f))


def test_an_interrupted_sweep_resumes_to_the_same_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn = [*QUICK, "--set", "training.fast=false", "--jobs", "1"]
    whole_args = ["sweep", "-c", STUDY, *drawn, "-r", "whole"]
    assert cli.invoke(app, whole_args).exit_code == 0
    (whole,) = (tmp_path / "whole" / "sweeps").iterdir()

    real_train = runner_module.run_training

    def ctrl_c_on_the_second_point(config, X, y, on_progress=None, path=None):  # type: ignore[no-untyped-def]
        if config.optimizer.lr == 0.005:
            raise KeyboardInterrupt
        return real_train(config, X, y, on_progress, path)

    monkeypatch.setattr(runner_module, "run_training", ctrl_c_on_the_second_point)
    # The four functions train each point alone, through runner.run_training: Ctrl-C is there
    # (in this process: --jobs 1).
    result = cli.invoke(app, ["sweep", "-c", STUDY, *drawn, "-r", "cut"])
    assert result.exit_code == 130
    (cut,) = (tmp_path / "cut" / "sweeps").iterdir()
    assert [r["status"] for r in _sweep_rows(cut)] == ["completed"]
    assert "--resume" in result.stdout
    monkeypatch.setattr(runner_module, "run_training", real_train)

    resumed = cli.invoke(app, ["sweep", "--resume", str(cut), "--jobs", "1"])
    assert resumed.exit_code == 0, resumed.output
    assert _sweep_rows(cut) == _sweep_rows(whole)
    assert (cut / "runs" / "002-lr=0.005.unfinished-1").is_dir()  # set aside, not deleted
    assert json.loads((cut / "summary.json").read_text())["status"] == "completed"
    for name in ("loss_curves.png", "trajectories.png", "distance_vs_lr.png"):
        assert (cut / name).exists()


def test_ctrl_c_while_a_batch_is_written_keeps_the_points_written_in_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The signal waits for the point being written, then stops the sweep: sweep.csv and
    the sweep's summary count the points whose results stand, that one included."""
    from gdlab.record.grid import load_sweep
    from gdlab.record.sweep import run_sweep

    real_write = runner_module._write_results
    written: list[str] = []

    def ctrl_c_while_the_second_is_written(folder: Path, *args: object) -> object:
        written.append(folder.name)
        if len(written) == 2:
            os.kill(os.getpid(), signal.SIGINT)  # held until its files are all written
        return real_write(folder, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(runner_module, "_write_results", ctrl_c_while_the_second_is_written)
    rates = "optimizer.lr=0.01,0.02,0.03,0.04"
    sweep = load_sweep(None, [rates], None, ["training.epochs=200", "output.plots=false"])
    with pytest.raises(KeyboardInterrupt):
        run_sweep(sweep, tmp_path / "s", ["test"], launcher=launch.Serial())
    assert [row["status"] for row in _sweep_rows(tmp_path / "s")] == ["completed"] * 2
    summary = json.loads((tmp_path / "s" / "summary.json").read_text())
    assert (summary["status"], summary["finished"]) == ("interrupted", 2)


def test_a_task_stopped_in_a_worker_hands_back_the_points_it_wrote() -> None:
    """Interrupted crosses from a worker process with its results (pickled)."""
    from concurrent.futures import Future

    from gdlab.record.grid import PointResult, load_sweep

    point = load_sweep(None, ["optimizer.lr=0.01,0.02"], None, []).points[0]
    written = [PointResult(point, error="stands in for a written run")]
    stopped: Future[list[PointResult]] = Future()
    stopped.set_exception(pickle.loads(pickle.dumps(launch.Interrupted(written))))
    assert launch._results(stopped, launch.Task((point,))) == written


def test_resume_reruns_a_point_whose_saved_config_differs_from_the_sweeps(tmp_path: Path) -> None:
    first = cli.invoke(app, ["sweep", "-c", STUDY, *QUICK])
    assert first.exit_code == 0, first.output
    folder = _sweep_dir(tmp_path / "results")
    child = folder / "runs" / "002-lr=0.005"
    config = child / "config.yaml"
    config.write_text(config.read_text().replace("lr: 0.005", "lr: 0.006"))
    untouched = (folder / "runs" / "001-lr=0.001" / "summary.json").stat().st_mtime_ns
    resumed = cli.invoke(app, ["sweep", "--resume", str(folder)])
    assert resumed.exit_code == 0, resumed.output
    assert (folder / "runs" / "002-lr=0.005.unfinished-1").is_dir()  # set aside, not reused
    assert "lr: 0.005" in config.read_text()  # rerun with the sweep's own config
    assert (folder / "runs" / "001-lr=0.001" / "summary.json").stat().st_mtime_ns == untouched


def test_plain_points_step_together_and_say_so_in_their_config(tmp_path: Path) -> None:
    result = cli.invoke(app, ["sweep", "-c", STUDY, *QUICK])
    assert result.exit_code == 0, result.output
    folder = _sweep_dir(tmp_path / "results")
    assert [r["path"] for r in _rows(folder)] == ["sums", "sums", "sums"]
    child = folder / "runs" / "002-lr=0.005"
    assert "fast: true" in (child / "config.yaml").read_text()
    four = cli.invoke(
        app, ["sweep", "-c", STUDY, *QUICK, "--set", "training.fast=false", "-r", "f"]
    )
    assert four.exit_code == 0, four.output
    (other,) = (tmp_path / "f" / "sweeps").iterdir()
    assert [r["path"] for r in _rows(other)] == ["four functions"] * 3
    # Both paths predict and observe the same epochs.
    for key in ("observed_epochs_to_tol", "observed_first_inf_epoch", "observed_first_nan_epoch"):
        assert [r[key] for r in _rows(folder)] == [r[key] for r in _rows(other)]


def test_a_sweep_whose_figures_fail_keeps_its_results_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gdlab.plots import files

    def full_disk(folder: Path, results: object) -> None:
        raise OSError(28, "No space left on device", str(folder / "loss_curves.png"))

    monkeypatch.setattr(files, "draw_sweep", full_disk)
    result = cli.invoke(app, ["sweep", "-c", STUDY, *QUICK])
    assert result.exit_code == 1
    assert "sweep lr_study: 3 runs" in result.stdout  # the table is still shown
    assert "loss_curves.png: No space left on device" in result.stderr
    folder = _sweep_dir(tmp_path / "results")
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["figures"]["status"] == "failed"
    assert [r["status"] for r in _rows(folder)] == ["completed", "completed", "diverged"]


def test_a_sweep_over_the_model_fits_each_points_own_features(tmp_path: Path) -> None:
    pontius = str(REPO / "configs" / "nist" / "pontius.yaml")
    grid = ["--grid", "model.degree=1,2,3", "--grid", "model.intercept=true,false"]
    result = cli.invoke(app, ["sweep", "--config", pontius, *grid, *QUICK])
    assert result.exit_code == 0, result.output
    rows = _rows(_sweep_dir(tmp_path / "results"))
    assert [r["status"] for r in rows] == ["completed"] * 6
    for row in rows:  # one weight per power, and theory on the point's own data
        degree = int(row["model.degree"])
        assert row["w" if degree == 1 else f"w_{degree}"] not in (None, "")
        assert row["predicted_outcome"] == row["observed_outcome"]


def test_a_sweep_over_the_degree_draws_its_figures(tmp_path: Path) -> None:
    forbes = str(REPO / "configs" / "forbes.yaml")
    grid = ["--grid", "model.degree=3,1", "--set", "training.epochs=50"]
    result = cli.invoke(app, ["sweep", "--config", forbes, *grid])
    assert result.exit_code == 0, result.output
    assert (_sweep_dir(tmp_path / "results") / "trajectories.png").is_file()


def test_no_figures_draws_none_and_the_configs_say_so(tmp_path: Path) -> None:
    result = cli.invoke(app, ["sweep", "-c", STUDY, "--set", "training.epochs=200", "--no-figures"])
    assert result.exit_code == 0, result.output
    folder = _sweep_dir(tmp_path / "results")
    assert not list(folder.rglob("*.png"))
    configs = list(folder.glob("runs/*/config.yaml"))
    assert len(configs) == 3 and all("  plots: false" in c.read_text() for c in configs)


def test_a_resume_cannot_change_what_the_sweep_draws(tmp_path: Path) -> None:
    first = cli.invoke(app, ["sweep", "-c", STUDY, *QUICK])
    assert first.exit_code == 0, first.output
    folder = _sweep_dir(tmp_path / "results")
    result = cli.invoke(app, ["sweep", "--resume", str(folder), "--no-figures"])
    assert (
        result.exit_code == 2 and "leave out" in result.stderr and "--no-figures" in result.stderr
    )
    assert len(result.stderr.strip().splitlines()) == 1


def test_points_step_together_only_with_points_of_the_same_kind_of_step() -> None:
    """Plain descent and heavy ball over two rates, heavy ball and Nesterov over two momenta:
    two groups of two each time, each of one kind of step."""
    from gdlab.record.grid import load_sweep
    from gdlab.record.sweep import plan_paths

    for grid, kind in (
        (["optimizer.lr=0.001,0.005", "optimizer.momentum=0,0.5"], "momentum"),
        (["optimizer.momentum=0.5,0.9", "optimizer.nesterov=false,true"], "nesterov"),
    ):
        _, together = plan_paths(load_sweep(None, grid, None, ["training.epochs=100"]).points)
        assert [len(g) for g in together] == [2, 2]
        for group in together:
            assert len({bool(getattr(p.config.optimizer, kind)) for p in group}) == 1
        prepared.forget_problems()
