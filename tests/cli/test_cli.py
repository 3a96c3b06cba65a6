"""The CLI as a user meets it: help, a real run folder, reruns, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from gdlab.cli import app
from tests.conftest import REPO
from tests.plots.test_files import ONE_FEATURE

# A default run's folder: what it was given and found, its figures, and its page.
RUN_FILES = {
    *("config.yaml", "data.csv", "metrics.csv", "summary.json", "meta.json"),
    *ONE_FEATURE,
    "explore.html",
}
FAST = ["--set", "training.epochs=300"]

runner = CliRunner()


def _run_dirs(results: Path) -> list[Path]:
    return sorted((results / "runs").glob("*")) if (results / "runs").exists() else []


def _strict_json(path: Path) -> dict:  # type: ignore[type-arg]
    def refuse(name: str) -> None:
        raise AssertionError(f"{path.name} holds a bare {name}")

    return json.loads(path.read_text(), parse_constant=refuse)  # type: ignore[no-any-return]


def _command_paths(command: object, prefix: list[str]) -> list[list[str]]:
    """Every command line that names a command, groups included, depth first."""
    paths = [prefix]
    for name, sub in getattr(command, "commands", {}).items():
        paths += _command_paths(sub, [*prefix, name])
    return paths


def test_every_command_has_help_with_examples() -> None:
    paths = _command_paths(typer.main.get_command(app), [])
    names = {" ".join(p) for p in paths}
    assert {
        "train",
        "sweep",
        "reproduce",
        "analyze",
        "gradcheck",
        "lr-find",
        "verify",
        "runs list",
        "runs show",
        "runs compare",
    } <= names
    for path in paths:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, result.output
        assert "Examples" in result.stdout, f"gdlab {' '.join(path)} --help has no examples"


def test_default_train_writes_a_complete_run_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["train"])
    assert result.exit_code == 0, result.output
    (folder,) = _run_dirs(tmp_path / "results")
    assert folder.name.endswith("-default")
    assert {p.name for p in folder.iterdir()} == RUN_FILES
    summary = _strict_json(folder / "summary.json")
    assert summary["status"] == "completed" and summary["epochs_run"] == 10_000
    assert summary["distance_to_least_squares"] < 1e-8
    assert abs(summary["final"]["w"][0] - 3) < 0.1 and abs(summary["final"]["b"] - 2) < 0.2
    assert 100 < summary["initial_loss"] < 1000
    assert abs(summary["final"]["loss"] - summary["noise_variance"]) < 0.2
    header = (folder / "metrics.csv").read_text().splitlines()[:2]
    assert header[0] == "epoch,loss,w,b,grad_w,grad_b"
    assert (
        header[1].startswith("0,")
        and len((folder / "metrics.csv").read_text().splitlines()) == 10_002
    )
    meta = _strict_json(folder / "meta.json")
    assert {
        "gdlab_version",
        "python_version",
        "numpy_version",
        "platform",
        "command",
        "started",
        "ended",
        "wall_time_seconds",
        "git",
    } <= set(meta)
    # The summary table names the status, the optimum and the folder.
    assert "completed" in result.stdout and "least squares" in result.stdout
    assert folder.name in result.stdout.replace("\n", "")


def test_the_same_config_reruns_to_the_same_bytes(tmp_path: Path) -> None:
    for _ in range(2):
        assert runner.invoke(app, ["train", *FAST, "--name", "again"]).exit_code == 0
    first, second = _run_dirs(tmp_path / "results")
    assert first.name != second.name
    for name in sorted(RUN_FILES - {"meta.json"}):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_config_yaml_alone_reruns_the_run(tmp_path: Path) -> None:
    runner.invoke(app, ["train", *FAST, "--set", "optimizer.lr=0.02", "-n", "one"])
    (first,) = _run_dirs(tmp_path / "results")
    result = runner.invoke(app, ["train", "--config", str(first / "config.yaml"), "-n", "two"])
    assert result.exit_code == 0, result.output
    second = next(p for p in _run_dirs(tmp_path / "results") if p.name.endswith("-two"))
    assert (first / "summary.json").read_bytes() == (second / "summary.json").read_bytes()


def test_a_diverging_run_is_a_result_with_a_complete_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", "--set", "optimizer.lr=0.1"])
    assert result.exit_code == 0, result.output
    (folder,) = _run_dirs(tmp_path / "results")
    assert {p.name for p in folder.iterdir()} == RUN_FILES
    summary = _strict_json(folder / "summary.json")
    assert summary["status"] == "diverged"
    assert summary["first_inf_epoch"] < summary["first_nan_epoch"]
    assert summary["final"]["loss"] == "nan"
    assert "diverged" in result.stdout and "first inf epoch" in result.stdout


def test_quiet_prints_only_the_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", *FAST, "--quiet", "--results-dir", "out"])
    assert result.exit_code == 0
    (folder,) = _run_dirs(tmp_path / "out")
    assert result.stdout.strip() == str(Path("out") / "runs" / folder.name)


def test_show_without_a_display_says_so_and_carries_on(tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", *FAST, "--show"])
    assert result.exit_code == 0
    assert "no display found" in result.stdout
    assert len(_run_dirs(tmp_path / "results")) == 1


def _bad_config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    return str(path)


# (arguments, with {bad} standing for a config file made of the text, words on stderr)
BAD_INPUT = [
    (["--config", "missing.yaml"], None, ["missing.yaml", "no such file"]),
    (["--config", "{bad}"], "optimizer:\n  lr: [0.1\n", ["bad.yaml, line", "invalid YAML"]),
    (["--config", "{bad}"], "optimizer:\n  lrr: 0.1\n", ["did you mean 'optimizer.lr'"]),
    (["--config", "{bad}"], "training:\n  epochs: ten\n", ["training.epochs", "'ten'", "whole"]),
    (["--set", "optimizer.lr=0"], None, ["--set", "optimizer.lr = 0", "> 0"]),
    (["--set", "optimizer.lr=-0.5"], None, ["optimizer.lr = -0.5", "> 0"]),
    (["--set", "training.epochs=0"], None, ["training.epochs = 0", ">= 1"]),
    (["--set", "data.n_samples=1"], None, ["data.n_samples = 1", ">= 2"]),
    (["--set", "data.noise_std=-1"], None, ["data.noise_std = -1", ">= 0"]),
    (["--set", "data.x_max=-1"], None, ["data.x_max", "empty"]),
    (["--set", "optimizer.lr"], None, ["KEY=VALUE"]),
    (["--set", "optimiser.lr=0.1"], None, ["unknown key", "optimizer.lr"]),
    (["--name", "../escape"], None, ["--name", "'../escape'"]),
    (["--results-dir", "{file}/sub"], None, ["results folder", "cannot write"]),
]


@pytest.mark.parametrize(("args", "text", "words"), BAD_INPUT)
def test_bad_input_gets_one_clear_line_exit_2_and_no_folder(
    tmp_path: Path, args: list[str], text: str | None, words: list[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    bad = _bad_config(tmp_path, text) if text else ""
    args = [a.replace("{bad}", bad).replace("{file}", str(blocker)) for a in args]
    result = runner.invoke(app, ["train", *args])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0]
    assert not (tmp_path / "results").exists()


def test_python_dash_m_runs_the_same_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gdlab", "train", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0
    assert "Train one model by gradient descent" in done.stdout


def test_animate_adds_the_gif(tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", *FAST, "--animate", "--quiet"])
    assert result.exit_code == 0, result.output
    (folder,) = _run_dirs(tmp_path / "results")
    assert {p.name for p in folder.iterdir()} == RUN_FILES | {"evolution.gif"}
    assert "animate: true" in (folder / "config.yaml").read_text()


def test_train_says_when_and_why_it_stopped_and_when_it_reached_the_tolerance() -> None:
    forbes = str(REPO / "configs" / "forbes.yaml")
    result = CliRunner().invoke(app, ["train", "--config", forbes, "--set", "output.plots=false"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "ran all 500 epochs" in text
    assert "within theory.tol = 0.001 of the optimum from epoch 46 (predicted 46)" in text
    tol = ["--set", "training.tol=1e-6", "--set", "output.plots=false"]
    early = CliRunner().invoke(app, ["train", "--config", forbes, *tol])
    assert "the gradient's norm reached training.tol" in " ".join(early.output.split())
