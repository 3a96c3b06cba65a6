"""`gdlab lr-find` as a user meets it: its folder, its table, its JSON, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gdlab.cli import app

runner = CliRunner()
QUICK = ["--steps", "40"]
FILES = {"config.yaml", "lr_find.csv", "summary.json", "lr_find.png"}
SUMMARY_KEYS = {
    "suggested_lr",
    "minimum_over_10_lr",
    "critical_lr",
    "best_lr",
    "stopped",
    "stopped_why",
    "steps_taken",
    "predicted",
}


def _folders(tmp_path: Path) -> list[Path]:
    """The test folders, as the CLI names them (relative to the working folder, tmp_path)."""
    return [p.relative_to(tmp_path) for p in sorted((tmp_path / "results/lr_find").glob("*"))]


def test_lr_find_writes_its_folder_and_prints_the_rates(tmp_path: Path) -> None:
    result = runner.invoke(app, ["lr-find", *QUICK, "--name", "seed"])
    assert result.exit_code == 0, result.output
    (folder,) = _folders(tmp_path)
    assert folder.name.endswith("-seed") and {p.name for p in folder.iterdir()} == FILES
    rows = (folder / "lr_find.csv").read_text().splitlines()
    step, lr = rows[1].split(",")[:2]
    assert rows[0] == "step,lr,loss,smoothed" and (step, float(lr)) == ("1", 1e-06)
    summary = json.loads((folder / "summary.json").read_text())
    assert len(rows) == 1 + summary["steps_taken"]
    for words in ("suggested", "minimum / 10", "critical", "best", "converges", str(folder)):
        assert words in result.stdout.replace("\n", ""), words


def test_json_prints_the_summary_for_scripts(tmp_path: Path) -> None:
    result = runner.invoke(app, ["lr-find", *QUICK, "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert set(printed) >= SUMMARY_KEYS
    assert printed["critical_lr"] == pytest.approx(0.031379, rel=1e-4)
    assert printed["predicted"]["suggested"]["outcome"] in ("converges", "diverges")
    (folder,) = _folders(tmp_path)
    assert printed["path"] == str(folder)
    assert json.loads((folder / "summary.json").read_text()) == {
        k: v for k, v in printed.items() if k != "path"
    }


def test_quiet_prints_only_the_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["lr-find", *QUICK, "--quiet"])
    assert result.exit_code == 0 and result.stdout.strip() == str(_folders(tmp_path)[0])


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--start", "1", "--end", "0.1"], "--start = 1 must be below --end = 0.1"),
        (["--start", "0.1", "--end", "0.1"], "must be below"),
        (["--steps", "5"], "--steps = 5: expected 10 to 100,000"),
        (["--start", "-1"], "--start = -1: expected a finite rate > 0"),
        (["--end", "0"], "--end = 0: expected a finite rate > 0"),
        (["--set", "optimizer.lr=-1"], "optimizer.lr = -1"),
        (["--name", "a b"], "--name 'a b'"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    args: list[str], says: str, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["lr-find", *args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and "Traceback" not in result.output
    assert not (tmp_path / "results").exists()


def test_a_range_across_float64_runs_and_draws(tmp_path: Path) -> None:
    """1e-300 to 1e300: the rates come from logarithms (their ratio alone overflows)."""
    result = runner.invoke(
        app, ["lr-find", "--start", "1e-300", "--end", "1e300", "--steps", "10", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert (Path(result.stdout.strip()) / "lr_find.png").is_file()
