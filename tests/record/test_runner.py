"""Runs you can trust: interruption, crashes, resuming, concurrency, listing, verifying."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from gdlab.cli import app
from tests.conftest import REPO

cli = CliRunner()
STUDY = str(REPO / "configs" / "lr_study.yaml")
QUICK = ["--set", "training.epochs=300", "--set", "output.plots=false"]


def _gdlab(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "gdlab", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _only_run(results: Path) -> Path:
    (folder,) = (results / "runs").iterdir()
    return folder


def _start_a_long_train(tmp_path: Path) -> subprocess.Popen[str]:
    """A train that would run for hours, returned once its run folder exists."""
    process = _gdlab("train", "--set", "training.epochs=100000000", "--set", "output.plots=false")
    deadline = time.monotonic() + 30
    while not list(tmp_path.glob("results/runs/*/summary.json")):
        assert time.monotonic() < deadline, "the run folder never appeared"
        time.sleep(0.05)
    return process


def test_ctrl_c_keeps_the_finished_epochs_and_exits_130(tmp_path: Path) -> None:
    process = _start_a_long_train(tmp_path)
    time.sleep(0.5)  # let it train a while
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    folder = _only_run(tmp_path / "results")
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "interrupted"
    rows = (folder / "metrics.csv").read_text().splitlines()
    assert int(rows[-1].split(",")[0]) == summary["epochs_run"] > 0
    assert len(rows) == summary["epochs_run"] + 2  # header, epoch 0 .. epochs_run
    listed = json.loads(cli.invoke(app, ["runs", "list", "--json"]).stdout)
    assert listed[0]["status"] == "interrupted"


def test_a_killed_run_is_listed_as_crashed(tmp_path: Path) -> None:
    process = _start_a_long_train(tmp_path)
    running = json.loads(cli.invoke(app, ["runs", "list", "--json"]).stdout)
    assert running[0]["status"] == "running"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    listed = json.loads(cli.invoke(app, ["runs", "list", "--json"]).stdout)
    assert listed[0]["status"] == "crashed"
    assert "crashed" in cli.invoke(app, ["runs", "list", "--status", "crashed"]).stdout


def test_four_trains_at_once_get_four_complete_folders(tmp_path: Path) -> None:
    processes = [_gdlab("train", *QUICK, "--name", "same", "--quiet") for _ in range(4)]
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
