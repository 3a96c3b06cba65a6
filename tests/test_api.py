"""gdlab from Python: the same run folders as the CLI, read back as arrays, checked alike."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

import gdlab
from gdlab.cli import app
from gdlab.core import model
from gdlab.record.catalog import file_hashes
from gdlab.record.config import ConfigError, load_config
from tests.conftest import REPO

cli = CliRunner()
DIVERGES = {"optimizer.lr": 0.1}  # inf at epoch 208, nan at 419, where the run stops


def _only(folder: Path) -> Path:
    (child,) = folder.iterdir()
    return child


def _columns(path: Path) -> dict[str, np.ndarray[Any, Any]]:
    """A CSV file read by the csv module: an oracle that shares no code with gdlab's reader."""
    with path.open(newline="") as f:
        header, *rows = list(csv.reader(f))
    return {name: np.array([float(r[i]) for r in rows]) for i, name in enumerate(header)}


def test_import_gdlab_loads_neither_numpy_nor_the_api() -> None:
    code = (
        "import sys, gdlab\n"
        "print(sorted(m for m in ('numpy', 'gdlab.api', 'yaml') if m in sys.modules))\n"
        "gdlab.train\n"
        "print('gdlab.api' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:2] == ["[]", "True"]


def test_train_writes_what_the_cli_writes_and_reads_it_back_as_arrays(tmp_path: Path) -> None:
    args = ["train", "--set", "optimizer.lr=0.1", "--set", "output.plots=false"]
    assert cli.invoke(app, [*args, "-r", "cli"]).exit_code == 0
    run = gdlab.train(set=DIVERGES, plots=False, results_dir="api")
    assert run.path.parent == Path("api/runs") and run.path.name.endswith("-default")
    assert file_hashes(run.path) == file_hashes(_only(tmp_path / "cli" / "runs"))
    metrics = _columns(run.path / "metrics.csv")
    for name in ("epoch", "loss", "b", "grad_b"):
        np.testing.assert_array_equal(getattr(run, name), metrics[name])
    np.testing.assert_array_equal(run.w[:, 0], metrics["w"])
    np.testing.assert_array_equal(run.grad_w[:, 0], metrics["grad_w"])
    assert (run.status, run.epochs_run, run.lr) == ("diverged", 419, 0.1)
    assert (run.first_inf_epoch, run.first_nan_epoch) == (208, 419)
    assert np.isinf(run.loss[208]) and np.isnan(run.final_loss) and run.loss[207] < np.inf
    assert run.config == load_config(overrides=["optimizer.lr=0.1", "output.plots=false"])
    assert "diverged after 419 epochs at lr = 0.1" in repr(run)


def test_the_default_run_matches_its_summary_and_draws_its_figures() -> None:
    run = gdlab.train(set={"training.epochs": 500})
    assert run.status == "completed" and run.epoch.tolist() == list(range(501))
    assert run.final_w[0] == run.w[-1, 0] and run.final_b == run.b[-1]
    assert run.final_loss == run.loss[-1] and run.initial_loss == run.loss[0]
    assert run.least_squares["w"] == pytest.approx([3.00766], abs=1e-5)
    assert run.true == {"w": [3.0], "b": 2.0}
    assert run.theory["critical_lr"] == pytest.approx(0.0314, abs=1e-4)
    assert run.summary["path"] == "four functions"
    assert {"fit.png", "loss.png", "params.png", "contour.png"} <= {
        p.name for p in run.path.iterdir()
    }


# Each override as a mapping beside the same override as the CLI's --set text.
OVERRIDES = [
    ({"optimizer.lr": -1}, "optimizer.lr=-1"),
    ({"optimizer.lr": "abc"}, "optimizer.lr=abc"),
    ({"lr": 0.1}, "lr=0.1"),
    ({"optimiser.lr": 0.1}, "optimiser.lr=0.1"),
    ({"training.epochs": 1.5}, "training.epochs=1.5"),
    ({"training.nesterov": True}, "training.nesterov=true"),
    ({"optimizer.nesterov": True}, "optimizer.nesterov=true"),
]


@pytest.mark.parametrize(("overrides", "text"), OVERRIDES)
def test_overrides_are_refused_with_the_clis_own_message(
    tmp_path: Path, overrides: dict[str, Any], text: str
) -> None:
    result = cli.invoke(app, ["train", "--set", text])
    assert result.exit_code == 2
    with pytest.raises(ConfigError) as refused:
        gdlab.train(set=overrides)
    assert f"error: {refused.value}" == result.stderr.strip()
    assert not (tmp_path / "results").exists()


def test_values_yaml_cannot_write_and_a_list_of_strings_are_refused_plainly() -> None:
    with pytest.raises(ConfigError, match="--set optimizer.lr: .*expected a number"):
        gdlab.train(set={"optimizer.lr": object()})
    with pytest.raises(TypeError, match="expected a mapping of dotted keys"):
        gdlab.train(set=["optimizer.lr=0.1"])  # type: ignore[arg-type]


def test_a_config_a_path_and_numpy_values_give_the_same_run(tmp_path: Path) -> None:
    path = REPO / "configs" / "default.yaml"
    quick = {"training.epochs": np.int64(50), "optimizer.lr": np.float64(0.02)}
    from_path = gdlab.train(path, set=quick, plots=False, results_dir="a")
    from_config = gdlab.train(load_config(path), set=quick, plots=False, results_dir="b")
    assert from_config.config == from_path.config
    assert from_path.path.name.endswith("-default")  # the file's stem
    assert file_hashes(from_config.path) == file_hashes(from_path.path)
    assert from_path.epochs_run == 50 and from_path.lr == 0.02


def test_load_run_round_trips_by_path_and_by_id(tmp_path: Path) -> None:
    run = gdlab.train(set={"training.epochs": 30}, plots=False, name="kept")
    for ref in (run.path, str(run.path.resolve()), run.path.name[:12]):
        again = gdlab.load_run(ref)
        assert again.path.resolve() == run.path.resolve()
        assert again.config == run.config and again.summary == run.summary
        for name in ("epoch", "loss", "w", "b", "grad_w", "grad_b", "final_w"):
            np.testing.assert_array_equal(getattr(again, name), getattr(run, name))
        assert repr(again).endswith(run.describe() + ")")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no run or sweep folder"):
        gdlab.load_run(tmp_path / "empty")


def test_ctrl_c_raises_once_the_epochs_done_are_written(monkeypatch: pytest.MonkeyPatch) -> None:
    real, calls = model.gradients, []

    def ctrl_c_at_the_tenth(X, y, y_hat):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 10:
            raise KeyboardInterrupt
        return real(X, y, y_hat)

    monkeypatch.setattr(model, "gradients", ctrl_c_at_the_tenth)
    with pytest.raises(KeyboardInterrupt, match="the epochs done are in"):
        gdlab.train(plots=False)
    run = gdlab.load_run(_only(Path("results/runs")))
    assert run.status == "interrupted" and run.epoch[-1] == 8


def test_sweep_returns_each_point_as_a_run_and_the_table_the_cli_writes(tmp_path: Path) -> None:
    args = ["--grid", "optimizer.lr=0.001,0.1", "--set", "training.epochs=500"]
    assert (
        cli.invoke(app, ["sweep", *args, "--set", "output.plots=false", "-r", "cli"]).exit_code == 0
    )
    study = gdlab.sweep(
        grid={"optimizer.lr": [0.001, 0.1]}, set={"training.epochs": 500}, plots=False
    )
    cli_folder = _only(tmp_path / "cli" / "sweeps")
    assert (study.path / "sweep.csv").read_bytes() == (cli_folder / "sweep.csv").read_bytes()
    assert not list(study.path.glob("**/*.png"))  # plots=False: no figure at all
    assert [run.status for run in study.runs] == ["completed", "diverged"]
    assert [row["optimizer.lr"] for row in study.table] == [0.001, 0.1]
    slow, fast = study.runs
    assert fast.first_inf_epoch == study.table[1]["observed_first_inf_epoch"] == 208
    assert slow.path == study.path / "runs" / "001-lr=0.001"
    np.testing.assert_array_equal(slow.loss, gdlab.load_run(slow.path).loss)
    assert "002-lr=0.1: diverged after 419 epochs" in repr(study)


def test_sweep_checks_grid_and_seeds_as_the_cli_does(tmp_path: Path) -> None:
    result = cli.invoke(app, ["sweep", "--grid", "optimizer.lr=0.1", "--seeds", "1.5"])
    with pytest.raises(ConfigError) as refused:
        gdlab.sweep(grid={"optimizer.lr": [0.1]}, seeds=[1.5])
    assert f"error: {refused.value}" == result.stderr.strip()
    with pytest.raises(ConfigError, match="unknown key 'optimizer.rate'"):
        gdlab.sweep(grid={"optimizer.rate": [0.1]})
    assert not (tmp_path / "results").exists()
