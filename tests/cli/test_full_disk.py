"""A full disk, for real (a small tmpfs, when this machine lets us mount one) and injected."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gdlab.cli import app
from gdlab.record import runs

cli = CliRunner()


@contextmanager
def _tmpfs(folder: Path, size: str) -> Iterator[Path]:
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root): the injected-error tests cover it")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def _assert_failed_whole(results: Path, result: object) -> None:
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    lines = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "metrics.csv: No space left on device" in lines[0]
    (folder,) = (results / "runs").iterdir()
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "failed" and "No space left on device" in summary["error"]
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary files


def test_a_run_too_large_for_the_disk_is_refused_before_it_starts(tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "disk", "256k") as disk:  # no room for 10,000 rows of metrics
        result = cli.invoke(app, ["train", "--set", "output.plots=false", "-r", str(disk)])
        assert result.exit_code == 2, result.output
        assert "MB to write and" in result.stderr and "free" in result.stderr
        assert list(disk.iterdir()) == []  # nothing written


def test_figures_that_fill_the_disk_leave_the_results_whole(tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "disk", "1400k") as disk:  # the numbers fit; five figures do not
        result = cli.invoke(app, ["train", "-r", str(disk)])
        assert result.exit_code == 1, result.output
        *warnings, error = result.stderr.strip().splitlines()
        assert "not drawn" in error and "No space left" in error
        # The dashboard may find no room either: one warning line, and the run stands.
        assert len(warnings) <= 1
        assert all(w.startswith("warning: ") and "index.html not rewritten" in w for w in warnings)
        (folder,) = (disk / "runs").iterdir()
        summary = json.loads((folder / "summary.json").read_text())
        assert summary["status"] == "completed" and summary["epochs_run"] == 10_000
        assert summary["figures"]["status"] == "failed" and summary["figures"]["missing"]
        for name in summary["figures"]["missing"]:
            assert not (folder / name).exists()
        assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary files


def test_a_write_error_is_a_result_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = runs.write_text

    def full_disk(path: Path, text: str | bytes) -> None:
        if path.name == "metrics.csv":
            with runs.atomic_target(path) as tmp:
                tmp.write_bytes(text[:100] if isinstance(text, bytes) else text[:100].encode())
                raise OSError(28, "No space left on device")
        real(path, text)

    monkeypatch.setattr(runs, "write_text", full_disk)
    result = cli.invoke(
        app, ["train", "--set", "output.plots=false", "--set", "training.epochs=50"]
    )
    _assert_failed_whole(tmp_path / "results", result)


def test_no_room_for_even_the_first_file_leaves_no_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(path: Path, obj: object) -> None:
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(runs, "write_json", full_disk)
    result = cli.invoke(app, ["train", "--set", "output.plots=false"])
    assert result.exit_code == 1 and "summary.json: No space left on device" in result.stderr
    assert list((tmp_path / "results" / "runs").iterdir()) == []
