"""--json on every command that reads or reports: one JSON document on stdout, its keys stable."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from gdlab.cli import app

cli = CliRunner()
QUICK = ["--set", "training.epochs=300", "--set", "output.plots=false"]


def _json(*args: str, exit_code: int = 0) -> dict:  # type: ignore[type-arg]
    result = cli.invoke(app, list(args))
    assert result.exit_code == exit_code, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_analyze_json_holds_the_theory_it_prints() -> None:
    data = _json("analyze", "--json", "--set", "optimizer.lr=0.1")
    assert data["parameters"] == ["w", "b"]
    assert data["prediction"]["outcome"] == "diverges"
    assert (data["prediction"]["first_inf_epoch"], data["prediction"]["first_nan_epoch"]) == (
        208,
        419,
    )
    assert 0 < data["critical_lr"] < 0.1 and len(data["eigenvalues"]) == 2
    assert data["least_squares"]["r_squared"] > 0.9 and data["standardized"] is not None


def test_gradcheck_json_and_its_exit_status() -> None:
    data = _json("gradcheck", "--json", "--points", "2")
    assert data["passed"] is True and len(data["rows"]) == 3 * 2
    assert set(data["rows"][0]) == {
        "point",
        "parameter",
        "analytic",
        "numeric",
        "relative_error",
        "passed",
    }


def test_sweep_json_and_quiet_print_only_what_scripts_read(tmp_path: Path) -> None:
    data = _json("sweep", "--json", "--grid", "optimizer.lr=0.005,0.1", *QUICK)
    assert Path(data["folder"]).is_dir()
    assert [p["status"] for p in data["points"]] == ["completed", "diverged"]
    assert data["points"][1]["observed_first_inf_epoch"] == 208
    quiet = cli.invoke(app, ["sweep", "-q", "--grid", "optimizer.lr=0.005,0.02", *QUICK])
    assert quiet.exit_code == 0 and Path(quiet.stdout.strip()).is_dir()


def test_a_sweep_without_anything_to_sweep_explains_itself(tmp_path: Path) -> None:
    result = cli.invoke(app, ["sweep", *QUICK])
    assert result.exit_code == 2 and "--grid" in result.stderr and "gdlab train" in result.stderr
    assert not (tmp_path / "results").exists()
