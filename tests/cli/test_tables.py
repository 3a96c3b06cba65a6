"""Tables at 80 columns on a terminal, and whole in a pipe: nothing cut, numbers entire."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gdlab.cli import app
from tests.conftest import REPO

cli = CliRunner()
ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")


def _terminal(monkeypatch: pytest.MonkeyPatch, width: int = 80) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # Rich: a terminal, though captured
    monkeypatch.setenv("COLUMNS", str(width))


def _run(*args: str) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return ANSI.sub("", result.output)


@pytest.fixture
def two_runs() -> list[str]:  # in the test's own folder (tests/conftest.py)
    no_figures = ("--set", "output.plots=false")  # tables only: figures are tested elsewhere
    _run("train", "--quiet", "--name", "calm", "--set", "training.epochs=50", *no_figures)
    _run("train", "--quiet", "--name", "wild", "--set", "optimizer.lr=0.1", *no_figures)
    return sorted(p.name for p in Path("results/runs").iterdir())


def _assert_fits(text: str, width: int) -> None:
    assert "…" not in text
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width


def test_runs_list_at_80_columns_cuts_nothing_and_names_what_it_leaves_out(
    two_runs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _terminal(monkeypatch)
    text = _run("runs", "list")
    _assert_fits(text, 80)
    for run in two_runs:
        assert run in text
    assert "completed" in text and "diverged" in text
    assert "not shown at this width" in text and "commit" in text


def test_runs_list_in_a_pipe_has_every_column_whole(two_runs: list[str]) -> None:
    text = _run("runs", "list")  # CliRunner's output is no terminal
    header = next(line for line in text.splitlines() if line.lstrip().startswith("id"))
    for column in ("status", "optimizer", "lr", "final loss", "w", "b", "started", "commit"):
        assert column in header
    assert "…" not in text and "not shown" not in text


def test_runs_compare_at_80_columns_keeps_run_names_and_every_value(
    two_runs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _terminal(monkeypatch)
    text = _run("runs", "compare", *two_runs)
    _assert_fits(text, 80)
    stamps = [run.split("-", 1)[0] for run in two_runs]
    assert all(stamp in text for stamp in stamps) and "calm" in text and "wild" in text
    assert "diverged" in text and "True" not in text and "False" not in text


def test_analyze_prints_a_wide_hessian_in_blocks_at_80_columns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _terminal(monkeypatch)
    text = _run("analyze", "--config", str(REPO / "configs" / "nist" / "longley.yaml"))
    _assert_fits(text, 80)
    assert "(1/2)" in text and "(2/2)" in text  # Longley's seven columns do not fit in one
    assert "-1.2212e-15" in text  # a number whole, however long


def test_a_long_run_name_folds_and_the_status_still_shows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name = "a-very-long-run-name-that-says-what-was-tried-in-detail-v2"
    _run("train", "--quiet", "--name", name, "--set", "training.epochs=20")
    _terminal(monkeypatch)
    text = _run("runs", "list")
    _assert_fits(text, 80)
    assert "completed" in text and "final loss" in text
    # The id folds down its column: its pieces, read top to bottom, are the whole id.
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("20"))
    pieces = [line.split()[0] for line in lines[start:] if line.strip()][:3]
    assert "".join(pieces).endswith(name)
