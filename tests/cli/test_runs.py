"""`gdlab runs show|compare`, as a user meets them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gdlab.cli import app

cli = CliRunner()
QUICK = ["--set", "training.epochs=300", "--set", "output.plots=false"]


def test_runs_show_and_compare(tmp_path: Path) -> None:
    for lr in ("0.005", "0.02"):
        cli.invoke(app, ["train", *QUICK, "--set", f"optimizer.lr={lr}", "--name", f"lr{lr}"])
    a, b = sorted((tmp_path / "results" / "runs").iterdir())
    shown = cli.invoke(app, ["runs", "show", str(a)])
    assert shown.exit_code == 0 and "config.yaml" in shown.stdout
    # A summary, not a dump: what was asked, what was found, and what theory said.
    assert "training.epochs" in shown.stdout and "epochs to tol" in shown.stdout
    assert len(shown.stdout.splitlines()) < 50
    data = json.loads(cli.invoke(app, ["runs", "show", str(a), "--json"]).stdout)
    assert data["kind"] == "run" and data["summary"]["theory"]["critical_lr"] > 0
    assert data["config"]["optimizer"]["lr"] == 0.005 and "metrics.csv" in data["files"]
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


def test_compare_never_hangs_or_crashes_on_what_a_folder_holds(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    for name in ("a", "b"):
        assert cli.invoke(app, ["train", *QUICK, "-n", name]).exit_code == 0
    a, b = sorted((tmp_path / "results" / "runs").iterdir())
    (b / "metrics.csv").unlink()
    os.mkfifo(b / "metrics.csv")  # reading it would wait forever
    (b / "config.yaml").write_text("optimizer:\n  lr:\n    - [[1]]\n")
    done = subprocess.run(
        [sys.executable, "-m", "gdlab", "runs", "compare", str(a), str(b)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "left out" in done.stdout and "Traceback" not in done.stderr


def test_verify_says_when_the_rerun_could_not_draw(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gdlab.plots import files

    assert cli.invoke(app, ["train", "--set", "training.epochs=100"]).exit_code == 0
    (run,) = (tmp_path / "results" / "runs").iterdir()

    def full_disk(folder: Path, *args: object, **kwargs: object) -> None:
        raise files.FiguresMissing(["fit.png"], f"{folder}/fit.png: No space left on device")

    monkeypatch.setattr(files, "draw_run_in_shares", full_disk)
    result = cli.invoke(app, ["verify", str(run)])
    assert result.exit_code == 1
    assert "figures were not drawn" in result.stderr and "No space left" in result.stderr
    assert "reproducible" not in result.stdout


def test_a_sweep_is_shown_compared_and_verified_like_a_run(tmp_path: Path) -> None:
    grid = ["--grid", "optimizer.lr=0.005,0.02", "--name", "pair"]
    assert cli.invoke(app, ["sweep", *QUICK, *grid]).exit_code == 0
    (sweep,) = (tmp_path / "results" / "sweeps").iterdir()
    shown = cli.invoke(app, ["runs", "show", sweep.name[:12]])
    assert shown.exit_code == 0, shown.output
    assert "2 points" in shown.stdout and "001-lr=0.005" in shown.stdout
    data = json.loads(cli.invoke(app, ["runs", "show", str(sweep), "--json"]).stdout)
    assert data["kind"] == "sweep" and [p["lr"] for p in data["points"]] == [0.005, 0.02]
    compared = cli.invoke(app, ["runs", "compare", str(sweep), "--json"])
    assert compared.exit_code == 0, compared.output
    table = json.loads(compared.stdout)
    assert table["differing"]["optimizer.lr"] == [0.005, 0.02] and table["compare_png"]
    verified = cli.invoke(app, ["verify", str(sweep), "--json"])
    assert verified.exit_code == 0, verified.output
    report = json.loads(verified.stdout)
    assert report["reproducible"] is True and len(report["runs"]) == 2
    assert all(f["same"] for run in report["runs"] for f in run["files"].values())
