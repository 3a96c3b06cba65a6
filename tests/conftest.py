"""Shared fixtures: every test runs in its own empty folder, so results never leak."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run each test in tmp_path, so the default results/ folder lands there."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    return tmp_path


def gdlab_process(*args: str) -> subprocess.Popen[str]:
    """``python -m gdlab ARGS`` as a real process (for signals), its output captured."""
    return subprocess.Popen(
        [sys.executable, "-m", "gdlab", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
