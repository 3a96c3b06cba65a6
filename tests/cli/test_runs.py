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


def test_a_damaged_folder_is_listed_unreadable_and_the_rest_as_usual(tmp_path: Path) -> None:
    for name in ("good", "bad"):
        assert cli.invoke(app, ["train", *QUICK, "-n", name]).exit_code == 0
    good, bad = sorted((tmp_path / "results" / "runs").iterdir(), key=lambda p: p.name[-3:])
    (bad / "summary.json").write_text('{"status": "running", "process": {"pid": "x"}')
    (bad / "metrics.csv").write_text("epoch,loss\nnot,numbers\n")
    listed = cli.invoke(app, ["runs", "list"])
    assert listed.exit_code == 0, listed.output
    assert "unreadable" in listed.stdout and "completed" in listed.stdout
    shown = cli.invoke(app, ["runs", "show", str(bad)])
    assert shown.exit_code == 0 and "unreadable: summary.json cannot be read" in shown.stdout
    compared = cli.invoke(app, ["runs", "compare", str(good), str(bad)])
    assert compared.exit_code == 0, compared.output
    assert "left out" in compared.stdout
