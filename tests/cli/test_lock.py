"""A sweep folder has one owner: a second is refused at once; a dead owner's lock is free."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gdlab.cli import app
from gdlab.record import owner, runs
from tests.conftest import REPO

cli = CliRunner()
STUDY = str(REPO / "configs" / "lr_study.yaml")

HOLD = """
import sys, time
from pathlib import Path
from gdlab.record import owner
with owner.owned(Path(sys.argv[1])):
    print("owned", flush=True)
    time.sleep(60)
"""


def _hold(folder: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(folder)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "owned"
    return process


def test_a_live_owner_refuses_a_second_and_a_killed_ones_lock_is_free(tmp_path: Path) -> None:
    holder = _hold(tmp_path)
    busy = pytest.raises(owner.FolderBusy, match=f"in use by process {holder.pid} on")
    with busy, owner.owned(tmp_path):
        pass
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    with owner.owned(tmp_path):  # taken over: the kernel let go of the dead process's lock
        pass


def test_resuming_a_live_sweep_is_refused_before_anything_moves(tmp_path: Path) -> None:
    args = ["sweep", "-c", STUDY, "--set", "training.epochs=300", "--set", "output.plots=false"]
    assert cli.invoke(app, args).exit_code == 0
    (folder,) = (tmp_path / "results" / "sweeps").iterdir()
    before = sorted(p.name for p in (folder / "runs").iterdir())
    holder = _hold(folder)  # as a sweep still running there would
    try:
        started = time.monotonic()
        result = cli.invoke(app, ["sweep", "--resume", str(folder)])
        assert time.monotonic() - started < 10  # at once, not after waiting
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1
    assert f"in use by process {holder.pid}" in result.stderr
    assert sorted(p.name for p in (folder / "runs").iterdir()) == before  # nothing set aside


def test_a_lock_that_is_a_link_is_never_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious")
    folder = tmp_path / "sweep"
    folder.mkdir()
    (folder / ".lock").symlink_to(victim)
    with pytest.raises(runs.RunDirError, match="cannot be this folder's lock"), owner.owned(folder):
        pass
    assert victim.read_text() == "precious"
