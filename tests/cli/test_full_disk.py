"""A full disk, for real (a small tmpfs, when this machine lets us mount one) and injected."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gdlab.cli import app
from gdlab.record import runs

cli = CliRunner()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs: room for a run's config and data, not for its metrics."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root): the injected-error test covers it")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def _assert_failed_whole(results: Path, result: object) -> None:
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    lines = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "metrics.csv: No space left on device" in lines[0]
    (folder,) = (results / "runs").iterdir()
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "failed" and "No space left on device" in summary["error"]
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary files


def test_a_run_filling_a_small_disk_says_failed_and_why(small_disk: Path) -> None:
    result = cli.invoke(app, ["train", "--set", "output.plots=false", "-r", str(small_disk)])
    _assert_failed_whole(small_disk, result)


def test_a_write_error_is_a_result_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = runs.write_text

    def full_disk(path: Path, text: str) -> None:
        if path.name == "metrics.csv":
            with runs.atomic_target(path) as tmp:
                tmp.write_text(text[:100])
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
