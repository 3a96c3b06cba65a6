"""Signals sent to real gdlab processes: Ctrl-C, a scheduler's SIGTERM, a closed terminal's SIGHUP.

Each is handled as Ctrl-C is: the finished epochs are kept, the run or sweep
says interrupted, and the exit status is 128 + the signal's number.
"""

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

from gdlab.record.config import dump_config, load_config
from tests.conftest import REPO, gdlab_process

# Real processes and whole commands, slow: `make e2e` and CI run them, `make test` does not.
pytestmark = pytest.mark.e2e

STUDY = str(REPO / "configs" / "lr_study.yaml")
LONG = ["--set", "training.epochs=10000000", "--set", "output.plots=false"]


def _wait_for(tmp_path: Path, pattern: str) -> Path:
    deadline = time.monotonic() + 30
    while not (found := list(tmp_path.glob(pattern))):
        assert time.monotonic() < deadline, f"{pattern} never appeared"
        time.sleep(0.05)
    return found[0]


def _stop(process: subprocess.Popen[str], signum: int, after: float) -> tuple[str, str]:
    time.sleep(after)  # let it work a while
    process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signum, err
    assert "Traceback" not in err
    return out, err


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_stopped_train_keeps_its_finished_epochs(tmp_path: Path, signum: int) -> None:
    process = gdlab_process("train", *LONG)
    folder = _wait_for(tmp_path, "results/runs/*/summary.json").parent
    _, err = _stop(process, signum, after=0.5)
    assert f"interrupted ({signal.Signals(signum).name})" in err
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "interrupted"
    rows = (folder / "metrics.csv").read_text().splitlines()
    assert int(rows[-1].split(",")[0]) == summary["epochs_run"] > 0
    assert len(rows) == summary["epochs_run"] + 2  # header, epoch 0 .. epochs_run


def test_the_resume_line_is_one_line_to_copy_even_piped_with_a_long_odd_path(
    tmp_path: Path,
) -> None:
    """Piped, a console is 80 columns; the line must not wrap, and a path with a space or
    brackets must come out as one shell word that names the sweep."""
    import shlex

    results = tmp_path / "my results [draft]" / ("deep" * 12)
    name = ["--name", "a_sweep_name_long_enough_to_pass_eighty_columns"]
    process = gdlab_process("sweep", "-c", STUDY, *LONG, *name, "-r", str(results))
    folder = _wait_for(tmp_path, "**/sweeps/*/summary.json").parent
    out, _ = _stop(process, signal.SIGINT, after=1.0)
    (line,) = [line for line in out.splitlines() if "--resume" in line]
    command = shlex.split(line.removeprefix("finish it with: "))
    assert command == ["gdlab", "sweep", "--resume", str(folder)] and len(line) > 80


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_stopped_sweep_keeps_what_its_points_trained(tmp_path: Path, signum: int) -> None:
    process = gdlab_process("sweep", "-c", STUDY, *LONG, "--set", "training.log_every=100")
    folder = _wait_for(tmp_path, "results/sweeps/*/summary.json").parent
    out, _ = _stop(process, signum, after=1.5)
    assert "--resume" in out
    assert json.loads((folder / "summary.json").read_text())["status"] == "interrupted"
    with (folder / "sweep.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [r["status"] for r in rows] == ["interrupted", "interrupted", "diverged"]
    for row in rows[:2]:  # stepped together, stopped together, each at its last whole epoch
        assert int(row["epochs_run"]) > 1000
        metrics = (folder / row["folder"] / "metrics.csv").read_text().splitlines()
        assert metrics[-1].startswith(f"{row['epochs_run']},")


@pytest.mark.parametrize("to_group", [True, False], ids=["ctrl-c to the group", "sigterm"])
def test_a_stopped_parallel_sweep_stops_its_workers_as_a_serial_sweep_would(
    tmp_path: Path, to_group: bool
) -> None:
    # Adam points do not step together: --jobs 2 runs two at once in worker processes.
    grid = ["--grid", "optimizer.lr=0.01,0.02,0.03,0.04", "--set", "optimizer.name=adam"]
    args = ["sweep", *grid, *LONG, "--set", "training.log_every=100", "--jobs", "2"]
    # Its own session, as a terminal's job is: Ctrl-C there reaches every process of the group.
    process = subprocess.Popen(
        [sys.executable, "-m", "gdlab", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    folder = _wait_for(tmp_path, "results/sweeps/*/summary.json").parent
    deadline = time.monotonic() + 30
    while len(list(folder.glob("runs/*/summary.json"))) < 2:  # both workers are training
        assert time.monotonic() < deadline, "the workers never started"
        time.sleep(0.05)
    time.sleep(1.0)
    signum = signal.SIGINT if to_group else signal.SIGTERM
    if to_group:
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signum, err
    assert "Traceback" not in err and "--resume" in out
    assert json.loads((folder / "summary.json").read_text())["status"] == "interrupted"
    with (folder / "sweep.csv").open() as f:
        rows = list(csv.DictReader(f))
    # The two running were interrupted, each kept to its last logged epoch; none other started.
    assert [r["index"] for r in rows] == ["1", "2"]
    assert [r["status"] for r in rows] == ["interrupted", "interrupted"]
    assert sorted(p.name for p in (folder / "runs").iterdir()) == [r["folder"][5:] for r in rows]
    for row in rows:
        summary = json.loads((folder / row["folder"] / "summary.json").read_text())
        assert summary["status"] == "interrupted" and summary["epochs_run"] > 0
        metrics = (folder / row["folder"] / "metrics.csv").read_text().splitlines()
        assert int(metrics[-1].split(",")[0]) == summary["epochs_run"]
    assert not (folder / ".lock").exists() or owner_free(folder)


def test_points_stepping_together_on_a_worker_stop_as_a_serial_batch_does(tmp_path: Path) -> None:
    # Six rates of plain descent: two batches of three, each trained together on a worker.
    grid = ["--grid", "optimizer.lr=0.001,0.002,0.003,0.004,0.005,0.006"]
    process = gdlab_process("sweep", *grid, *LONG, "--set", "training.log_every=1000", "-j", "2")
    folder = _wait_for(tmp_path, "results/sweeps/*/summary.json").parent
    time.sleep(3.0)  # both batches are training
    _, err = _stop(process, signal.SIGTERM, after=0.0)
    assert json.loads((folder / "summary.json").read_text())["status"] == "interrupted"
    with (folder / "sweep.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [r["status"] for r in rows] == ["interrupted"] * 6  # every one, at its last epoch
    for row in rows:
        assert 0 < int(row["epochs_run"]) < 10_000_000
        metrics = (folder / row["folder"] / "metrics.csv").read_text().splitlines()
        assert metrics[-1].startswith(f"{row['epochs_run']},")


def test_a_parallel_sweep_killed_outright_leaves_no_worker_training_on(tmp_path: Path) -> None:
    grid = ["--grid", "optimizer.lr=0.01,0.02,0.03", "--set", "optimizer.name=adam"]
    process = gdlab_process("sweep", *grid, *LONG, "--set", "training.log_every=100", "-j", "2")
    folder = _wait_for(tmp_path, "results/sweeps/*/summary.json").parent
    deadline = time.monotonic() + 30
    while len(points := list(folder.glob("runs/*/summary.json"))) < 2:
        assert time.monotonic() < deadline, "the workers never started"
        time.sleep(0.05)
    workers = [json.loads(p.read_text())["process"]["pid"] for p in points]
    time.sleep(0.5)
    process.kill()  # SIGKILL: nothing of it can clean up
    process.wait(timeout=10)  # (its output pipes stay open while a worker holds them)
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in workers):
        assert time.monotonic() < deadline, "a worker trains on without its sweep"
        time.sleep(0.1)
    for path in points:  # each point written as interrupted, to its last logged epoch
        summary = json.loads(path.read_text())
        assert summary["status"] == "interrupted" and summary["epochs_run"] > 0
    assert len(list(folder.glob("runs/*"))) == 2  # and the third never started


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def owner_free(folder: Path) -> bool:
    """Whether the sweep's lock is free: a resume would be let in."""
    from gdlab.record import owner

    try:
        owner.check_free(folder)
    except OSError:
        return False
    return True


def test_a_stopped_verify_says_interrupted_not_irreproducible(tmp_path: Path) -> None:
    original = tmp_path / "results" / "runs" / "20261127T000000Z-long"
    original.mkdir(parents=True)
    config = load_config(overrides=["training.epochs=10000000", "output.plots=false"])
    (original / "config.yaml").write_text(dump_config(config))
    process = gdlab_process("verify", str(original))
    _wait_for(tmp_path, "results/verify/*/summary.json")
    out, err = _stop(process, signal.SIGTERM, after=0.5)
    assert "interrupted (SIGTERM)" in err
    assert "reproducible" not in out


def test_a_stopped_reproduce_exits_as_interrupted(tmp_path: Path) -> None:
    process = gdlab_process("reproduce", "--study", STUDY, "-r", "out")
    _wait_for(tmp_path, "out/runs/*/summary.json")
    _, err = _stop(process, signal.SIGTERM, after=0.0)
    assert "interrupted (SIGTERM)" in err


def test_a_second_and_third_signal_cannot_cut_the_writing_short(tmp_path: Path) -> None:
    process = gdlab_process("train", *LONG)
    folder = _wait_for(tmp_path, "results/runs/*/summary.json").parent
    time.sleep(1.0)
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):  # an impatient scheduler
        process.send_signal(signum)
        time.sleep(0.002)
    _, err = process.communicate(timeout=60)
    # The first one handled decides (signals that arrive together are handled in number order).
    sent = {128 + signum: signal.Signals(signum).name for signum in (1, 2, 15)}
    assert process.returncode in sent, err
    assert f"interrupted ({sent[process.returncode]})" in err and "Traceback" not in err
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "interrupted" and summary["epochs_run"] > 0
    rows = (folder / "metrics.csv").read_text().splitlines()
    assert len(rows) == summary["epochs_run"] + 2


def test_an_interrupt_before_training_starts_is_still_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from gdlab.cli import app
    from gdlab.record import config as config_module

    def ctrl_c(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(config_module, "load_config", ctrl_c)
    result = CliRunner().invoke(app, ["train"])
    assert result.exit_code == 130 and "interrupted (SIGINT)" in result.stderr
