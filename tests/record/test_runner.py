"""One run into its folder: the path it takes, interruption, crashes, concurrency, verifying."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from gdlab.cli import app
from gdlab.core import model
from gdlab.record.config import load_config
from gdlab.record.runner import run_experiment
from tests.conftest import REPO, gdlab_process

cli = CliRunner()
STUDY = str(REPO / "configs" / "lr_study.yaml")
QUICK = ["--set", "training.epochs=300", "--set", "output.plots=false"]


def _only_run(results: Path) -> Path:
    (folder,) = (results / "runs").iterdir()
    return folder


def _start_a_long_train(tmp_path: Path) -> subprocess.Popen[str]:
    """A train that would run for hours, returned once its run folder exists."""
    process = gdlab_process(
        "train", "--set", "training.epochs=10000000", "--set", "output.plots=false"
    )
    deadline = time.monotonic() + 30
    while not list(tmp_path.glob("results/runs/*/summary.json")):
        assert time.monotonic() < deadline, "the run folder never appeared"
        time.sleep(0.05)
    return process


def test_a_killed_run_is_listed_as_crashed(tmp_path: Path) -> None:
    process = _start_a_long_train(tmp_path)
    running = json.loads(cli.invoke(app, ["runs", "list", "--json"]).stdout)
    assert running[0]["status"] == "running"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    listed = json.loads(cli.invoke(app, ["runs", "list", "--json"]).stdout)
    assert listed[0]["status"] == "crashed"
    assert "crashed" in cli.invoke(app, ["runs", "list", "--status", "crashed"]).stdout


@pytest.mark.e2e  # four real processes at once: `make e2e` and CI
def test_four_trains_at_once_get_four_complete_folders(tmp_path: Path) -> None:
    processes = [gdlab_process("train", *QUICK, "--name", "same", "--quiet") for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0, 0], outputs
    folders = sorted((tmp_path / "results" / "runs").iterdir())
    assert len(folders) == 4
    for folder in folders:
        assert json.loads((folder / "summary.json").read_text())["status"] == "completed"
        assert (folder / "metrics.csv").read_text().count("\n") == 302


def test_verify_passes_on_a_fresh_run_and_fails_after_an_edit(tmp_path: Path) -> None:
    assert cli.invoke(app, ["train", *QUICK, "--name", "v"]).exit_code == 0
    folder = _only_run(tmp_path / "results")
    ok = cli.invoke(app, ["verify", folder.name[:15]])
    assert ok.exit_code == 0, ok.output
    assert "reproducible" in ok.stdout
    metrics = folder / "metrics.csv"
    metrics.write_text(metrics.read_text().replace("0,", "1,", 1))
    bad = cli.invoke(app, ["verify", str(folder)])
    assert bad.exit_code == 1
    assert "DIFFERS" in bad.stdout and "metrics.csv" in bad.stdout


def test_a_standardized_run_reports_both_units(tmp_path: Path) -> None:
    result = cli.invoke(app, ["train", "--set", "data.standardize=true", "-q"])
    assert result.exit_code == 0, result.output
    summary = json.loads((Path(result.stdout.strip()) / "summary.json").read_text())
    block = summary["standardized"]
    assert "original units" in block["note"]
    assert summary["theory"]["condition_number"] == pytest.approx(1.0)
    assert block["condition_number_original"] > 100
    assert summary["distance_to_least_squares"] < 1e-8


def _metrics(folder: Path) -> np.ndarray:  # type: ignore[type-arg]
    return np.loadtxt(folder / "metrics.csv", delimiter=",", skiprows=1, ndmin=2)


def test_the_default_run_says_it_ran_the_four_functions(tmp_path: Path) -> None:
    result = cli.invoke(app, ["train", *QUICK])
    assert result.exit_code == 0, result.output
    assert "path: four functions" in result.stdout
    summary = json.loads((_only_run(tmp_path / "results") / "summary.json").read_text())
    assert summary["path"] == "four functions"
    assert "sample-epochs" in summary["path_reason"]


def test_halving_grad_w_in_model_py_changes_the_default_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli.invoke(app, ["train", *QUICK, "-r", "right"]).exit_code == 0
    real = model.gradients

    def half_grad_w(X, y, y_hat):  # type: ignore[no-untyped-def]
        grad_w, grad_b = real(X, y, y_hat)
        return grad_w / 2, grad_b

    monkeypatch.setattr(model, "gradients", half_grad_w)
    assert cli.invoke(app, ["train", *QUICK, "-r", "wrong"]).exit_code == 0
    right, wrong = _metrics(_only_run(tmp_path / "right")), _metrics(_only_run(tmp_path / "wrong"))
    assert right.shape == wrong.shape
    assert wrong[1, 2] == right[1, 2] / 2  # epoch 1's w: the first step was half as long
    assert not np.array_equal(right, wrong)


def test_a_long_run_on_well_conditioned_data_takes_the_sums_and_says_why(tmp_path: Path) -> None:
    config = load_config(
        overrides=["data.n_samples=10000", "training.epochs=10000", "output.plots=false"]
    )
    summary = run_experiment(config, tmp_path, "long", ["test"]).summary
    assert summary["path"] == "sums"
    assert "100,000,000 sample-epochs" in summary["path_reason"]
    assert "condition number" in summary["path_reason"]


def test_ctrl_c_with_log_every_keeps_the_last_finished_epoch_in_metrics_csv(
    tmp_path: Path,
) -> None:
    config = load_config(
        overrides=["training.epochs=1000", "training.log_every=7", "output.plots=false"]
    )

    def ctrl_c_at_epoch_40(epoch: int, loss: float) -> None:
        if epoch == 40:
            raise KeyboardInterrupt

    result = run_experiment(config, tmp_path, "cut", ["test"], on_progress=ctrl_c_at_epoch_40)
    assert result.summary["status"] == "interrupted" and result.summary["epochs_run"] == 40
    assert _metrics(result.path)[:, 0].tolist() == [0, 7, 14, 21, 28, 35, 40]


@pytest.mark.parametrize("what", [MemoryError("no room to draw"), KeyboardInterrupt()])
def test_a_drawing_failure_or_interrupt_leaves_the_finished_summary_whole(
    tmp_path: Path, what: BaseException
) -> None:
    config = load_config(overrides=["training.epochs=100"])

    def draw(*args: object) -> None:
        raise what

    if isinstance(what, Exception):
        result = run_experiment(config, tmp_path, "drawn", ["test"], draw=draw)
        assert result.summary["figures"]["status"] == "failed"
    else:
        with pytest.raises(KeyboardInterrupt):
            run_experiment(config, tmp_path, "drawn", ["test"], draw=draw)
    (folder,) = tmp_path.iterdir()
    summary = json.loads((folder / "summary.json").read_text())
    undisturbed = run_experiment(config, tmp_path / "alone", "alone", ["test"]).path
    alone = json.loads((undisturbed / "summary.json").read_text())
    assert {k: v for k, v in summary.items() if k != "figures"} == alone  # the results stand
    assert summary["status"] == "completed" and summary["epochs_run"] == 100
    expected = "failed" if isinstance(what, Exception) else "interrupted"
    assert summary["figures"]["status"] == expected
    assert (folder / "meta.json").exists() and (folder / "metrics.csv").exists()


def test_runs_on_the_same_data_share_one_data_csv_until_it_changes(tmp_path: Path) -> None:
    from gdlab.record.build import load_data, prepare
    from gdlab.record.runner import Ready

    config = load_config(overrides=["training.epochs=20", "output.plots=false"])
    problem = prepare(config, *load_data(config))
    ready = Ready(problem)

    def data_csv(name: str) -> Path:
        run = run_experiment(config, tmp_path, name, ["test"], stamped=False, ready=ready)
        return run.path / "data.csv"

    alone = run_experiment(config, tmp_path / "alone", "c", ["test"]).path / "data.csv"
    first, second = data_csv("a"), data_csv("b")
    assert first.stat().st_ino == second.stat().st_ino  # one file, two names
    assert second.read_bytes() == alone.read_bytes()  # what it would have written
    first.unlink()
    first.write_text("edited")  # the file it would link to is another now
    third = data_csv("d")
    assert third.stat().st_ino != first.stat().st_ino
    assert third.read_bytes() == alone.read_bytes()
