"""Config loading and validation: defaults, files, overrides, and every bad value."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gdlab.record.config import Config, ConfigError, dump_config, load_config
from gdlab.record.grid import load_sweep
from tests.conftest import REPO


def test_defaults_are_the_seed_experiment() -> None:
    config = load_config()
    assert config.data.n_samples == 100
    assert (config.data.x_min, config.data.x_max) == (0.0, 10.0)
    assert (config.data.true_w, config.data.true_b) == ((3.0,), 2.0)
    assert (config.data.noise_std, config.data.seed) == (1.0, 42)
    assert (config.optimizer.name, config.optimizer.lr) == ("gd", 0.005)
    assert config.training.epochs == 10_000
    assert config.initial_w() == [0.0] and config.training.init_b == 0.0


@pytest.mark.parametrize("path", sorted((REPO / "configs").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_config_loads(path: Path) -> None:
    if "grid" in yaml.safe_load(path.read_text()):
        assert load_sweep(path).points  # a sweep: every point validates
    else:
        assert isinstance(load_config(path), Config)


def test_default_yaml_holds_every_key_with_its_default() -> None:
    assert load_config(REPO / "configs" / "default.yaml") == load_config()
    text = (REPO / "configs" / "default.yaml").read_text()
    for section, values in Config().to_dict().items():
        for key in values:
            assert f"  {key}:" in text, f"{section}.{key} missing from configs/default.yaml"


def test_dumped_config_loads_back_equal(tmp_path: Path) -> None:
    config = load_config(
        overrides=["data.true_w=[1, 2]", "training.tol=1e-4", "output.plots=false"]
    )
    path = tmp_path / "c.yaml"
    path.write_text(dump_config(config))
    assert load_config(path) == config


def test_overrides_win_over_the_file_and_read_yaml_values(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("optimizer:\n  lr: 0.01\ntraining:\n  epochs: 50\n")
    config = load_config(path, ["optimizer.lr=1e-3", "training.tol=null", "data.true_w=2"])
    assert config.optimizer.lr == 0.001  # YAML 1.1 reads 1e-3 as a string; we take the number
    assert config.training.epochs == 50
    assert config.training.tol is None
    assert config.data.true_w == (2.0,)


def test_an_empty_file_means_all_defaults(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing set\n")
    assert load_config(path) == load_config()


# (file text or None, --set items, words the message must contain)
BAD = [
    ("optimizer:\n  lr: -0.1\n", [], ["c.yaml", "optimizer.lr", "-0.1", "expected a number > 0"]),
    ("optimizer:\n  lr: 0\n", [], ["optimizer.lr", "> 0"]),
    ("training:\n  epochs: 0\n", [], ["training.epochs", "0", ">= 1"]),
    ("training:\n  epochs: many\n", [], ["training.epochs", "'many'", "whole number"]),
    ("data:\n  n_samples: 1\n", [], ["data.n_samples", ">= 2"]),
    ("data:\n  noise_std: -1\n", [], ["data.noise_std", ">= 0"]),
    ("data:\n  x_min: 5\n  x_max: 5\n", [], ["data.x_max", "empty"]),
    ("optimzer:\n  lr: 0.1\n", [], ["unknown key 'optimzer.lr'", "did you mean 'optimizer.lr'"]),
    (
        "optimizer:\n  lrr: 0.1\n",
        [],
        ["unknown key 'optimizer.lrr'", "did you mean 'optimizer.lr'"],
    ),
    ("optimizer: 0.1\n", [], ["optimizer", "expected a mapping"]),
    ("- 1\n- 2\n", [], ["c.yaml", "expected a mapping"]),
    ("optimizer:\n  lr: [0.1\n", [], ["c.yaml, line", "invalid YAML"]),
    ("!!python/object/apply:os.system ['echo hi']\n", [], ["c.yaml", "invalid YAML", "python"]),
    ("data:\n  true_w: []\n", [], ["data.true_w", "non-empty list"]),
    ("data:\n  save_csv: 1\n", [], ["data.save_csv", "true or false"]),
    (None, ["optimizer.lr=abc"], ["--set", "optimizer.lr", "'abc'", "a number"]),
    (None, ["optimizer.lr"], ["--set", "KEY=VALUE"]),
    (None, ["lr=0.1"], ["unknown key 'lr'", "optimizer.lr"]),
    (None, ["optimizer.lr=.inf"], ["optimizer.lr", "a number > 0"]),
    (None, ["training.tol=0"], ["training.tol", "null or a number > 0"]),
    (None, ["optimizer.name=lbfgs"], ["optimizer.name", "'lbfgs'", "one of gd, momentum"]),
    (None, ["training.init_w=[1, 2]"], ["training.init_w", "a list of 1"]),
    (None, ["optimizer.lr=[1"], ["--set", "not valid YAML"]),
]


@pytest.mark.parametrize(("text", "overrides", "words"), BAD)
def test_bad_values_are_refused_with_where_what_and_why(
    tmp_path: Path, text: str | None, overrides: list[str], words: list[str]
) -> None:
    path = None
    if text is not None:
        path = tmp_path / "c.yaml"
        path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, overrides)
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nope.yaml: no such file"):
        load_config(tmp_path / "nope.yaml")


def test_nesterov_with_dampening_is_refused() -> None:
    overrides = ["optimizer.name=momentum", "optimizer.nesterov=true", "optimizer.dampening=0.1"]
    with pytest.raises(ConfigError, match="optimizer.nesterov.*dampening 0"):
        load_config(overrides=overrides)


def test_null_settings_take_each_optimizers_default() -> None:
    assert load_config(overrides=["optimizer.name=momentum"]).optimizer.momentum == 0.9
    assert load_config(overrides=["optimizer.name=adagrad"]).optimizer.eps == 1e-10
    assert load_config(overrides=["optimizer.name=adamw"]).optimizer.weight_decay == 0.01
    gd = load_config().optimizer
    assert (gd.momentum, gd.eps, gd.weight_decay) == (0.0, 1e-8, 0.0)
