"""What a sweep is: grids expanded into validated points, sweep files read and refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from gdlab.record.config import ConfigError
from gdlab.record.grid import load_sweep
from tests.conftest import REPO

STUDY = str(REPO / "configs" / "lr_study.yaml")


def test_grid_keys_give_their_product_and_seeds_repeat_every_point() -> None:
    sweep = load_sweep(None, ["optimizer.lr=0.001,0.01", "training.epochs=10,20,30"], seeds="1,2")
    assert len(sweep.points) == 2 * 3 * 2
    assert {p.config.data.seed for p in sweep.points} == {1, 2}
    assert sweep.points[0].label == "001-lr=0.001-epochs=10-seed=1"
    assert len({p.label for p in sweep.points}) == 12


def test_the_study_file_is_the_seeds_three_rates() -> None:
    sweep = load_sweep(Path(STUDY))
    assert [p.config.optimizer.lr for p in sweep.points] == [0.001, 0.005, 0.1]
    assert all(
        p.config.training.epochs == 10_000 and p.config.data.seed == 42 for p in sweep.points
    )


def test_a_sweep_file_with_an_unknown_key_names_it(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("grid:\n  optimizer.lr: [0.1]\ngrdi: 1\n")
    with pytest.raises(ConfigError, match="unknown key 'grdi'"):
        load_sweep(path)
