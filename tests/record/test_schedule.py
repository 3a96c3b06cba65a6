"""A run with a learning-rate schedule: its config, its path, and metrics.csv's lr column,
read back by every reader."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gdlab.api import load_run
from gdlab.core.fastpath import FOUR_FUNCTIONS
from gdlab.record.build import load_data, path_for, prepare
from gdlab.record.config import dump_config, load_config
from gdlab.record.metrics import sample_metrics
from gdlab.record.readback import load_result
from gdlab.record.rules import can_batch
from gdlab.record.runner import run_experiment

STEP = "optimizer.schedule={name: step, step_size: 3, gamma: 0.5}"


def _config(*sets: str):  # type: ignore[no-untyped-def]
    return load_config(None, ["training.epochs=7", "output.plots=false", *sets])


def test_a_schedule_loads_back_from_its_dump(tmp_path: Path) -> None:
    config = _config(STEP)
    (tmp_path / "c.yaml").write_text(dump_config(config))
    assert load_config(tmp_path / "c.yaml") == config


def test_a_scheduled_run_takes_the_four_functions_and_is_never_batched() -> None:
    config = _config(STEP, "training.fast=true")
    path = path_for(config, prepare(config, *load_data(config)))
    assert path.path == FOUR_FUNCTIONS and "schedule" in path.reason
    assert not can_batch(config)
    assert can_batch(_config())


def test_metrics_csv_logs_the_rate_in_force_last_and_every_reader_copes(tmp_path: Path) -> None:
    folder = run_experiment(_config(STEP), tmp_path, "s", [], stamped=False).path
    lines = (folder / "metrics.csv").read_text().splitlines()
    assert lines[0] == "epoch,loss,w,b,grad_w,grad_b,lr"
    lr = [float(line.rsplit(",", 1)[1]) for line in lines[1:]]
    # row e: the rate of update e (after 7 updates, the rate an 8th would use)
    assert lr == [0.005] * 3 + [0.0025] * 3 + [0.00125] * 2
    result = load_result(folder)
    assert result.history.w.shape == (8, 1) and result.history.grad_b.shape == (8,)
    assert sample_metrics(folder / "metrics.csv", columns=("lr",)).column("lr")[-1] == 0.00125
    np.testing.assert_array_equal(load_run(folder).b, result.history.b)


def test_a_run_without_a_schedule_has_no_lr_column(tmp_path: Path) -> None:
    folder = run_experiment(_config(), tmp_path, "s", [], stamped=False).path
    assert (folder / "metrics.csv").read_text().split("\n", 1)[0] == "epoch,loss,w,b,grad_w,grad_b"
    assert load_result(folder).history.epoch[-1] == 7
