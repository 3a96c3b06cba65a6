"""What a run will cost, estimated before it starts: refused when the machine cannot, announced
when merely long."""

from __future__ import annotations

from pathlib import Path

import pytest

from gdlab.record import budget
from gdlab.record.config import ConfigError, load_config


def test_the_seed_run_is_cheap_and_quick(tmp_path: Path) -> None:
    cost = budget.check_run(load_config(), 100, tmp_path, "config")
    assert cost.memory < 10e6 and cost.disk < 2e6 and cost.seconds < budget.LONG_SECONDS


def test_costs_grow_with_epochs_and_shrink_with_log_every() -> None:
    base = budget.run_cost(load_config(overrides=["training.epochs=1000"]), 100)
    longer = budget.run_cost(load_config(overrides=["training.epochs=100000"]), 100)
    sparse = budget.run_cost(
        load_config(overrides=["training.epochs=100000", "training.log_every=100"]), 100
    )
    assert longer.memory > 50 * base.memory and longer.seconds > 50 * base.seconds
    assert sparse.memory < longer.memory / 50 and sparse.seconds == longer.seconds


def test_more_memory_than_the_machine_allows_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(budget, "memory_budget", lambda: 50_000_000)
    config = load_config(overrides=["training.epochs=10000000"])
    with pytest.raises(ConfigError, match="training.epochs = 10000000: would keep about"):
        budget.check_run(config, 100, tmp_path, "config")


def test_more_than_the_free_disk_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Usage:
        free = 1_000_000

    monkeypatch.setattr(budget.shutil, "disk_usage", lambda path: Usage)
    with pytest.raises(ConfigError, match="MB to write and 1.0 MB free"):
        budget.check_run(load_config(), 100, tmp_path / "not" / "yet", "config")


def test_a_long_run_is_announced_in_words() -> None:
    config = load_config(overrides=["training.epochs=100000000", "training.log_every=1000"])
    seconds = budget.run_cost(config, 100).seconds
    assert seconds > budget.LONG_SECONDS
    assert budget.describe_seconds(520) == "about 8.7 minutes"
    assert budget.describe_seconds(3 * 3600) == "about 3 hours"
    assert budget.describe_seconds(30) == "about 30 seconds"


def test_a_point_stepping_with_others_is_estimated_by_what_it_writes_and_predicts() -> None:
    """Its files and predictions, not its steps, are most of its cost: a sweep is put on a
    pool of workers (launch.POOL_FROM_SECONDS) only where they pay for its start."""
    from gdlab.record.budget import batched_seconds

    default = batched_seconds(load_config())
    sparse = batched_seconds(load_config(overrides=["training.log_every=100"]))
    wide = batched_seconds(
        load_config(
            overrides=[
                "training.log_every=100",
                f"data.true_w={[1.0] * 100}",
                "data.n_samples=1010",
            ]
        )
    )
    assert sparse < default < wide  # 10,001 rows written; 101; 101 rows of 203 numbers
    assert 2e-3 < sparse < default < 1e-2 < wide < 2e-2  # as measured: ~4, 6.5 and 11 ms
