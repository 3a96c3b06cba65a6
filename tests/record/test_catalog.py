"""The results folder read back: listing, finding a run by id, differing keys, file hashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from gdlab.record import owner, runs
from gdlab.record.catalog import (
    RunRefError,
    differing_keys,
    file_hashes,
    list_entries,
    read_entry,
    resolve,
)


def _run(results: Path, name: str, status: str = "completed") -> Path:
    folder = results / "runs" / name
    folder.mkdir(parents=True)
    runs.write_text(folder / "config.yaml", "optimizer:\n  name: gd\n  lr: 0.1\n")
    runs.write_json(folder / "summary.json", {"status": status, "epochs_run": 3})
    return folder


def test_entries_are_listed_newest_first_and_a_damaged_folder_is_unreadable(
    tmp_path: Path,
) -> None:
    _run(tmp_path, "20261126T010000Z-old")
    new = _run(tmp_path, "20261126T020000Z-new")
    (new / "summary.json").write_text("{half a file")
    entries = list_entries(tmp_path)
    assert [e.id for e in entries] == ["20261126T020000Z-new", "20261126T010000Z-old"]
    assert [e.status for e in entries] == ["unreadable", "completed"]
    assert entries[0].problem == "summary.json cannot be read (JSONDecodeError)"
    assert entries[1].row()["lr"] == 0.1 and entries[1].row()["name"] == "old"


def test_a_summary_that_names_its_optimizer_is_listed_without_reading_the_config(
    tmp_path: Path,
) -> None:
    """A dashboard lists thousands of points: their config.yaml is parsed only when asked for."""
    folder = _run(tmp_path, "20261126T010000Z-named")
    runs.write_json(
        folder / "summary.json", {"status": "completed", "optimizer": "adam", "lr": 0.03}
    )
    (folder / "config.yaml").write_text("optimizer: {name: gd, lr: 0.1}\n")  # not what ran
    (entry,) = list_entries(tmp_path)
    assert (entry.row()["optimizer"], entry.row()["lr"]) == ("adam", 0.03)
    assert "config" not in vars(entry)  # never read
    assert entry.config["optimizer"] == {"name": "gd", "lr": 0.1}  # read when asked for


# What a damaged or foreign summary.json can hold, and why the folder is unreadable.
DAMAGED = [
    ("", "cannot be read"),
    ("[1, 2]", "not a JSON object"),
    ('{"epochs_run": 3}', "no status"),
    ('{"status": 7}', "no status"),
    ('{"status": "running", "process": {"pid": "abc", "host": "%s"}}', None),
    ('{"status": "running", "process": {"pid": 1e999, "host": "%s"}}', None),
    ('{"status": "running", "process": {"pid": 99999999999999999999999, "host": "%s"}}', None),
    ('{"status": "running", "process": [1, 2]}', None),
    ('{"status": "completed", "final": 5, "epochs_run": {"a": 1}}', None),
    ("[" * 100_000, "cannot be read"),
]


@pytest.mark.parametrize(("text", "problem"), DAMAGED)
def test_no_damaged_summary_breaks_the_listing(
    tmp_path: Path, text: str, problem: str | None
) -> None:
    import socket

    _run(tmp_path, "20261126T010000Z-good")
    bad = _run(tmp_path, "20261126T020000Z-bad")
    (bad / "summary.json").write_text(text.replace("%s", socket.gethostname()))
    entries = list_entries(tmp_path)
    rows = [e.row() for e in entries]  # every row can be shown
    assert [r["status"] for r in rows][1] == "completed"
    if problem is not None:
        assert rows[0]["status"] == "unreadable" and problem in rows[0]["problem"]


def test_a_running_folder_whose_process_is_gone_reads_as_crashed(tmp_path: Path) -> None:
    folder = _run(tmp_path, "20261126T010000Z-x")
    dead = {**owner.process_record(), "pid_started": -1}  # this pid, but not this process
    runs.write_json(folder / "summary.json", {"status": "running", "process": dead})
    assert read_entry(folder, "run").status == "crashed"


def test_a_run_is_found_by_path_or_unique_prefix(tmp_path: Path) -> None:
    a = _run(tmp_path, "20261126T010000Z-a")
    _run(tmp_path, "20261126T020000Z-b")
    assert resolve(tmp_path, str(a)) == (a, "run")
    assert resolve(tmp_path, "20261126T01") == (a, "run")
    with pytest.raises(RunRefError, match="matches 2 runs"):
        resolve(tmp_path, "20261126T0")
    with pytest.raises(RunRefError, match="no run"):
        resolve(tmp_path, "nothing")


def test_only_the_keys_that_differ_are_compared() -> None:
    configs = [
        {"optimizer": {"lr": 0.1, "name": "gd"}, "training": {"epochs": 5}},
        {"optimizer": {"lr": 0.2, "name": "gd"}, "training": {"epochs": 5}},
    ]
    assert differing_keys(configs) == {"optimizer.lr": [0.1, 0.2]}


def test_file_hashes_skip_meta_json_and_hidden_temporary_files(tmp_path: Path) -> None:
    folder = _run(tmp_path, "20261126T010000Z-a")
    (folder / "meta.json").write_text("{}")
    (folder / ".summary.tmp.json").write_text("half")
    assert sorted(file_hashes(folder)) == ["config.yaml", "summary.json"]
