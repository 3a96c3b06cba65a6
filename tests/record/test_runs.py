"""The run folder's building blocks: unique folders, atomic writes, JSON and CSV formats."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from gdlab.record import runs


def test_runs_started_in_the_same_second_get_their_own_folders(tmp_path: Path) -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    made = [runs.create_run_dir(tmp_path, "x", moment) for _ in range(3)]
    assert [p.name for p in made] == [
        "20260102T030405Z-x",
        "20260102T030405Z-x-2",
        "20260102T030405Z-x-3",
    ]


def test_a_failed_write_leaves_neither_a_half_file_nor_a_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), runs.atomic_target(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash mid-write")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]


def test_json_writes_non_finite_numbers_as_strings(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    runs.write_json(path, {"a": float("inf"), "b": [float("nan"), -float("inf"), 1.5], "c": None})
    text = path.read_text()

    def refuse(name: str) -> None:
        raise AssertionError(f"bare {name} in JSON")

    assert json.loads(text, parse_constant=refuse) == {
        "a": "inf",
        "b": ["nan", "-inf", 1.5],
        "c": None,
    }


def test_csv_keeps_floats_exact_and_names_columns() -> None:
    text = runs.csv_text(["epoch", "loss"], [np.array([0, 1]), np.array([0.1 + 0.2, float("inf")])])
    assert text == "epoch,loss\n0,0.30000000000000004\n1,inf\n"


def test_csv_numbers_read_back_exactly_with_repr_digits() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(size=5000) * 10.0 ** rng.integers(-320, 300, 5000)
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, 1e16, 1e-5, 0.1, 2.0]
    # Printed runs.CSV_CHUNK_ROWS rows at a time: specials on both sides of each seam too.
    seams = [k * runs.CSV_CHUNK_ROWS + j for k in (1, 2) for j in range(-5, 5)]
    values[seams] = special * 2
    values = np.concatenate([values, special])
    epochs = np.arange(len(values), dtype=np.int64) * 10**12
    text = runs.csv_text(["epoch", "v"], [epochs, values])
    lines = text.splitlines()
    assert lines[0] == "epoch,v" and text.endswith("\n") and len(lines) == len(values) + 1
    cells = [line.split(",") for line in lines[1:]]
    assert [int(e) for e, _ in cells] == epochs.tolist()
    back = np.array([float(v) for _, v in cells])
    np.testing.assert_array_equal(back, values)  # every float exact, inf and nan included
    assert np.array_equal(np.signbit(back), np.signbit(values))  # -0.0 stays -0.0
    for (_, cell), value in zip(cells, values.tolist(), strict=True):
        assert _digits(cell) == _digits(repr(value)), (cell, repr(value))  # repr's shortest
    assert runs.csv_text(["a"], [np.array([])]) == "a\n"
    # The largest floats stand in for inf and nan while printing: where they are values
    # themselves, the rows with inf or nan are printed another way, as exactly.
    biggest = np.finfo(np.float64).max
    edge = np.array([biggest, -biggest, np.nextafter(biggest, 0), np.inf, -np.inf, np.nan])
    for column in (edge, -edge):
        text = runs.csv_text(["v"], [column])
        back = np.array([float(v) for v in text.splitlines()[1:]])
        np.testing.assert_array_equal(back, column)


def _digits(number: str) -> str:
    """A number's significant digits: no sign, point, exponent or leading and trailing zeros."""
    return number.split("e")[0].lstrip("-").replace(".", "").strip("0")


@pytest.mark.parametrize("name", ["", "../up", "a/b", ".hidden", "x" * 65, "sp ace"])
def test_unsafe_run_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="--name"):
        runs.check_name(name)


def test_an_unwritable_results_folder_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(runs.RunDirError, match="cannot write there"):
        runs.ensure_writable(blocker / "results")


def test_git_state_is_none_outside_a_repository(tmp_path: Path) -> None:
    assert runs.git_state(tmp_path) is None
