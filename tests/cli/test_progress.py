"""Long work keeps talking: time left while training, then what is written and drawn."""

from __future__ import annotations

from pathlib import Path

from gdlab.core.train import History
from gdlab.record.config import load_config
from gdlab.record.runner import _writing, run_experiment


def test_a_run_says_when_it_writes_and_draws(tmp_path: Path) -> None:
    config = load_config(overrides=["training.epochs=50"])
    stages: list[str] = []
    draws: list[str] = []

    def draw(*args: object) -> None:
        draws.append("drawn")

    run_experiment(config, tmp_path, "talk", ["test"], draw=draw, on_stage=stages.append)
    assert stages == ["writing results", "drawing"] and draws == ["drawn"]


def test_a_large_metrics_file_is_announced_with_its_size() -> None:
    import numpy as np

    rows = 3_000_001
    history = History(
        epoch=np.zeros(rows, dtype=np.int64),
        loss=np.zeros(rows),
        w=np.zeros((rows, 1)),
        b=np.zeros(rows),
        grad_w=np.zeros((rows, 1)),
        grad_b=np.zeros(rows),
        status="completed",
        epochs_run=rows - 1,
        first_inf_epoch=None,
        first_nan_epoch=None,
    )
    assert _writing(history) == "writing ~360 MB"
