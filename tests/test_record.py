"""Runs you can trust: interruption, crashes, resuming, concurrency, listing, verifying."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gdlab.cli import app
from gdlab.record import runner as runner_module

from .conftest import REPO

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


def _sweep_rows(folder: Path) -> list[dict[str, str]]:
    with (folder / "sweep.csv").open() as f:
        return list(csv.DictReader(f))


def test_an_interrupted_sweep_resumes_to_the_same_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole_args = ["sweep", "-c", STUDY, *QUICK, "--set", "training.fast=false", "-r", "whole"]
    assert cli.invoke(app, whole_args).exit_code == 0
    (whole,) = (tmp_path / "whole" / "sweeps").iterdir()

    real_train = runner_module.train

    def ctrl_c_on_the_second_point(config, X, y, on_progress=None):  # type: ignore[no-untyped-def]
        if config.optimizer.lr == 0.005:
            raise KeyboardInterrupt
        return real_train(config, X, y, on_progress)

    monkeypatch.setattr(runner_module, "train", ctrl_c_on_the_second_point)
    # The reference path trains each point through runner.train, where Ctrl-C is injected.
    result = cli.invoke(
        app, ["sweep", "-c", STUDY, *QUICK, "--set", "training.fast=false", "-r", "cut"]
    )
    assert result.exit_code == 130
    (cut,) = (tmp_path / "cut" / "sweeps").iterdir()
    assert [r["status"] for r in _sweep_rows(cut)] == ["completed"]
    assert "--resume" in result.stdout
    monkeypatch.setattr(runner_module, "train", real_train)

    resumed = cli.invoke(app, ["sweep", "--resume", str(cut)])
    assert resumed.exit_code == 0, resumed.output
    assert _sweep_rows(cut) == _sweep_rows(whole)
    assert (cut / "runs" / "002-lr=0.005.unfinished-1").is_dir()  # set aside, not deleted
    assert json.loads((cut / "summary.json").read_text())["status"] == "completed"
    for name in ("loss_curves.png", "trajectories.png", "distance_vs_lr.png"):
        assert (cut / name).exists()


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


def test_runs_show_and_compare(tmp_path: Path) -> None:
    for lr in ("0.005", "0.02"):
        cli.invoke(app, ["train", *QUICK, "--set", f"optimizer.lr={lr}", "--name", f"lr{lr}"])
    a, b = sorted((tmp_path / "results" / "runs").iterdir())
    shown = cli.invoke(app, ["runs", "show", str(a)])
    assert shown.exit_code == 0 and "config.yaml" in shown.stdout and "critical_lr" in shown.stdout
    compared = cli.invoke(app, ["runs", "compare", str(a), str(b)])
    assert compared.exit_code == 0, compared.output
    assert "optimizer.lr" in compared.stdout and "0.02" in compared.stdout
    assert list(tmp_path.glob("results/compare/*/compare.png"))


def test_an_ambiguous_or_unknown_run_id_is_refused(tmp_path: Path) -> None:
    cli.invoke(app, ["train", *QUICK, "-n", "one"])
    cli.invoke(app, ["train", *QUICK, "-n", "two"])
    ambiguous = cli.invoke(app, ["runs", "show", "2"])
    assert ambiguous.exit_code == 2 and "matches 2 runs" in ambiguous.stderr
    unknown = cli.invoke(app, ["verify", "nothing-like-this"])
    assert unknown.exit_code == 2 and "no run" in unknown.stderr
    assert not (tmp_path / "results" / "verify").exists()


def test_process_checks_use_this_machine_only() -> None:
    from gdlab.record.runs import live_status, process_record

    mine = process_record()
    assert live_status("running", mine) == "running"
    assert live_status("running", {**mine, "pid_started": -1}) == "crashed"  # a reused pid
    assert live_status("running", {**mine, "host": "elsewhere"}) == "running"
    assert live_status("completed", None) == "completed"
    assert os.getpid() == mine["pid"]


def test_helpers_do_their_shares_in_their_own_processes_or_nothing_when_cancelled(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from gdlab.record import parallel
    from gdlab.record.parallel import Helpers

    def job(share: int, shares: int, payload: str) -> None:
        if payload == "fail" and share == 1:
            raise ValueError("cannot draw this")
        (tmp_path / f"{payload}-{share}-of-{shares}").write_text(str(os.getpid()))

    warmed = tmp_path / "warmed"
    helpers = Helpers(2, warm=lambda: warmed.write_text("yes"), job=job)
    helpers.finish("sent after the fork")
    pids = {int((tmp_path / f"sent after the fork-{k}-of-2").read_text()) for k in (0, 1)}
    assert len(pids) == 2 and os.getpid() not in pids  # two helpers, neither of them this one
    assert warmed.exists()

    Helpers(2, warm=lambda: None, job=job).cancel()
    Helpers(2, warm=lambda: time.sleep(30), job=job).cancel()  # stopped mid-warm, not waited for
    assert sorted(p.name for p in tmp_path.iterdir() if "-of-" in p.name) == [
        "sent after the fork-0-of-2",
        "sent after the fork-1-of-2",
    ]

    with pytest.raises(RuntimeError, match="exit status 1"):
        Helpers(2, warm=lambda: None, job=job).finish("fail")
    assert "cannot draw this" in capfd.readouterr().err  # the helper's traceback
    assert (tmp_path / "fail-0-of-2").exists()  # the other share was done

    monkeypatch.setattr(parallel, "_can_fork", lambda: False)  # Windows, macOS, or a thread running
    Helpers(2, warm=lambda: None, job=job).finish("inline")
    for k in (0, 1):
        assert int((tmp_path / f"inline-{k}-of-2").read_text()) == os.getpid()


def test_ctrl_c_while_helpers_draw_lets_them_finish_their_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gdlab.record import parallel
    from gdlab.record.parallel import Helpers

    def job(share: int, shares: int, payload: str) -> None:
        time.sleep(0.3)
        (tmp_path / f"{payload}-{share}").write_text("whole")

    helpers = Helpers(2, warm=lambda: None, job=job)
    real_waitpid = os.waitpid

    def interrupted(pid: int, options: int) -> tuple[int, int]:
        monkeypatch.setattr(parallel.os, "waitpid", real_waitpid)
        raise KeyboardInterrupt

    monkeypatch.setattr(parallel.os, "waitpid", interrupted)
    with pytest.raises(KeyboardInterrupt):
        helpers.finish("drawn")  # Ctrl-C arrives while the helpers draw
    helpers.cancel()  # what run_experiment does on its way out
    assert [(tmp_path / f"drawn-{k}").read_text() for k in (0, 1)] == ["whole", "whole"]
