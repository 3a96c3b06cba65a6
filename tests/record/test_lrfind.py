"""The range test's folder: whole, or not there at all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gdlab.core.lrfind import RangeTest
from gdlab.record.build import load_data, prepare
from gdlab.record.config import load_config
from gdlab.record.lrfind import find_lr, summarize, write_lr_find


def _ready(*overrides: str):  # type: ignore[no-untyped-def]
    config = load_config(overrides=list(overrides))
    problem = prepare(config, *load_data(config))
    test = find_lr(config, problem, 1e-6, 10.0, 40)
    return config, problem, test, summarize(config, problem, test, 1e-6, 10.0)


def test_the_folder_holds_the_config_the_steps_and_the_summary(tmp_path: Path) -> None:
    config, problem, test, summary = _ready()
    result = write_lr_find(config, problem, test, summary, tmp_path, "t")
    assert {p.name for p in result.path.iterdir()} == {"config.yaml", "lr_find.csv", "summary.json"}
    assert json.loads((result.path / "summary.json").read_text()) == summary
    assert summary["critical_lr"] == problem.trained.critical_lr
    assert summary["best_lr"] == problem.trained.best_lr


def test_a_failure_while_drawing_leaves_no_folder(tmp_path: Path) -> None:
    config, problem, test, summary = _ready()

    def broken(folder: Path, test: RangeTest, summary: dict[str, Any]) -> None:
        (folder / "lr_find.png").write_bytes(b"half")
        raise OSError(28, "No space left on device", str(folder / "lr_find.png"))

    with pytest.raises(OSError, match="No space left"):
        write_lr_find(config, problem, test, summary, tmp_path, "t", broken)
    assert list(tmp_path.iterdir()) == []


def test_mini_batches_and_other_optimizers_are_tested_as_configured() -> None:
    *_, summary = _ready("optimizer.name=adam", "training.batch_size=10")
    assert summary["optimizer"] == "adam" and summary["batch_size"] == 10
    assert summary["predicted"]["config_is_plain_gd"] is False
