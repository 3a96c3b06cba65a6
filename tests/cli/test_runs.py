"""`gdlab runs show|compare`, as a user meets them."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from gdlab.cli import app

cli = CliRunner()
QUICK = ["--set", "training.epochs=300", "--set", "output.plots=false"]


def test_runs_show_and_compare(tmp_path: Path) -> None:
    for lr in ("0.005", "0.02"):
        cli.invoke(app, ["train", *QUICK, "--set", f"optimizer.lr={lr}", "--name", f"lr{lr}"])
    a, b = sorted((tmp_path / "results" / "runs").iterdir())
    shown = cli.invoke(app, ["runs", "show", str(a)])
    assert shown.exit_code == 0 and "config.yaml" in shown.stdout and "critical_lr" in shown.stdout
    compared = cli.invoke(app, ["runs", "compare", str(a), str(b)])
    assert compared.exit_code == 0, compared.output
    assert "optimizer.lr" in compared.stdout and "0.02" in compared.stdout
    assert list(tmp_path.glob("results/compare/*/compare.png"))


def test_an_ambiguous_or_unknown_run_id_is_refused(tmp_path: Path) -> None:
    cli.invoke(app, ["train", *QUICK, "-n", "one"])
    cli.invoke(app, ["train", *QUICK, "-n", "two"])
    ambiguous = cli.invoke(app, ["runs", "show", "2"])
    assert ambiguous.exit_code == 2 and "matches 2 runs" in ambiguous.stderr
    unknown = cli.invoke(app, ["verify", "nothing-like-this"])
    assert unknown.exit_code == 2 and "no run" in unknown.stderr
    assert not (tmp_path / "results" / "verify").exists()
