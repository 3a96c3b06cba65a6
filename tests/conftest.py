"""Shared fixtures: every test runs in its own empty folder, so results never leak; and the
one line that says how to turn on skipped browser tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.pages.chromium import NOT_FOUND

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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say once, in one line, how to turn on the browser tests that were skipped."""
    # Here, not in tests/pages/conftest.py: under xdist this process collects no tests,
    # so it never loads that file.
    skipped = terminalreporter.stats.get("skipped", [])
    if any(NOT_FOUND in str(report.longrepr) for report in skipped):
        terminalreporter.write_line(NOT_FOUND)
    if terminalreporter.config.getoption("markexpr") == "not e2e":
        terminalreporter.write_line(
            "the slow end-to-end tests (real processes, README commands, the tour, reproduce) "
            "run with `make e2e`; CI runs both"
        )
