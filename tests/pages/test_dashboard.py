"""The dashboard (results/index.html) and the sweep pages: what they embed is what the run
folders hold, damaged folders are rows and not errors, and `gdlab runs html` writes them."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gdlab.cli import app
from gdlab.pages import dashboard
from gdlab.pages.dashboard import write_dashboard
from gdlab.pages.sweep_page import PAGE

REPO = Path(__file__).resolve().parents[2]
cli = CliRunner()
QUICK = ["--set", "training.epochs=300", "--set", "output.plots=false"]


def embedded(page: Path) -> Any:
    """The JSON a page embeds (inf and nan as the strings "inf" and "nan")."""
    found = re.search(r'<script type="application/json" id="data">(.*?)</script>', page.read_text())
    assert found is not None
    return json.loads(found.group(1))


def numbers(text: str) -> list[float]:
    """An embedded column ("0,1,2" or "343.2,Infinity,NaN") as numbers, as the page reads it."""
    return [float(v) for v in text.split(",")]


def short(x: float) -> float:
    """A number as the pages embed it: whole, or to 4 significant digits."""
    return x if x.is_integer() else float(f"{x:.4g}")


def metrics_rows(folder: Path) -> tuple[list[str], list[str]]:
    """The first and last data rows of a run's metrics.csv, read in full: the oracle."""
    lines = (folder / "metrics.csv").read_text().splitlines()
    return lines[1].split(","), lines[-1].split(",")


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results folder with the seed's learning-rate study and one default run (300 epochs)."""
    results = tmp_path_factory.mktemp("study") / "results"
    config = str(REPO / "configs" / "lr_study.yaml")
    swept = cli.invoke(
        app, ["sweep", "-c", config, "--set", "output.plots=false", "-r", str(results)]
    )
    assert swept.exit_code == 0, swept.output
    trained = cli.invoke(app, ["train", *QUICK, "-r", str(results), "--tag", "baseline"])
    assert trained.exit_code == 0, trained.output
    return results


def test_the_dashboard_embeds_every_run_as_its_folder_holds_it(study: Path) -> None:
    rows = embedded(study / "index.html")["rows"]
    (sweep,) = (study / "sweeps").iterdir()
    (run,) = (study / "runs").iterdir()
    points = sorted((sweep / "runs").iterdir())
    points_of = [p.name for p in points]
    # Newest first by id (a UTC time, then the name), each sweep's points right after it.
    by_id = sorted([run.name, sweep.name], reverse=True)
    order = [i for name in by_id for i in ([name] if name == run.name else [name, *points_of])]
    assert [r["id"] for r in rows] == order
    rows = sorted(rows, key=lambda r: ["run", "sweep", "point"].index(r["kind"]))
    assert [r["kind"] for r in rows] == ["run", "sweep", "point", "point", "point"]
    for row, folder in zip([rows[0], *rows[2:]], [run, *points], strict=True):
        summary = json.loads((folder / "summary.json").read_text())
        assert row["status"] == summary["status"]
        assert row["lr"] == summary["lr"]
        assert row["folder"] == folder.relative_to(study).as_posix().replace("=", "%3D") + "/"
        first, last = metrics_rows(folder)
        epochs, loss = numbers(row["curve"][0]), numbers(row["curve"][1])
        assert (epochs[0], epochs[-1]) == (int(first[0]), int(last[0]))
        assert loss[0] == short(float(first[1]))
        assert repr(loss[-1]) == repr(short(float(last[1])))  # nan too
        assert 150 <= len(epochs) <= 200 or len(epochs) == int(last[0]) + 1
    assert [r["status"] for r in rows[2:]] == ["completed", "completed", "diverged"]
    assert rows[0]["tags"] == ["baseline"] and rows[1]["page"].endswith("/sweep.html")


def test_the_sweep_page_steps_through_the_points_with_their_paths(study: Path) -> None:
    (sweep,) = (study / "sweeps").iterdir()
    data = embedded(sweep / PAGE)
    points = data["points"]
    assert [p["text"] for p in points] == ["lr = 0.001", "lr = 0.005", "lr = 0.1"]
    assert [p["status"] for p in points] == ["completed", "completed", "diverged"]
    assert data["dashboard"] == "../../index.html"
    w_lo, w_hi, b_lo, b_hi = data["view"]
    for point in points:
        ws, bs = numbers(point["path"][0]), numbers(point["path"][1])
        assert (ws[0], bs[0]) == (0, 0)  # every point starts at w = 0, b = 0
        first, last = metrics_rows(sweep / "runs" / point["label"])
        assert numbers(point["curve"][0])[-1] == int(last[0])
    ls = json.loads((sweep / "runs" / points[1]["label"] / "summary.json").read_text())
    assert points[1]["optimum"] == [ls["least_squares"]["w"][0], ls["least_squares"]["b"]]
    assert w_lo < ls["final"]["w"][0] < w_hi and b_lo < ls["final"]["b"] < b_hi
    # lr = 0.1 overshoots 5.4x at its first step: it leaves the view there, ending on its edge.
    assert points[2]["leaves_view"] == 1 and points[1]["leaves_view"] is None
    ws, bs = numbers(points[2]["path"][0]), numbers(points[2]["path"][1])
    assert len(ws) == 2  # the start, and where it crosses the edge of three times the view
    right, top = (w_lo + w_hi) / 2 + 1.5 * (w_hi - w_lo), (b_lo + b_hi) / 2 + 1.5 * (b_hi - b_lo)
    assert math.isclose(ws[1], right, rel_tol=1e-3) or math.isclose(bs[1], top, rel_tol=1e-3)


def test_damaged_folders_are_rows_that_say_so(study: Path, tmp_path: Path) -> None:
    results = tmp_path / "results"
    shutil.copytree(study, results)
    (run,) = (results / "runs").iterdir()
    bad = run.with_name(run.name.replace("default", "bad"))
    shutil.copytree(run, bad)
    (bad / "summary.json").write_text('{"status": ')
    (bad / "metrics.csv").write_text("epoch,loss\nnot,numbers\n")
    (results / "runs" / "20990101T000000Z-empty").mkdir()
    (sweep,) = (results / "sweeps").iterdir()
    (sweep / "sweep.yaml").write_text("points: [: nonsense")
    (sweep / "runs" / "002-lr=0.005" / "metrics.csv").unlink()
    (results / "REPORT.html").write_text("<p>a report</p>")  # as gdlab reproduce leaves one
    write_dashboard(results)
    assert '<a href="REPORT.html">' in (results / "index.html").read_text()
    rows = {r["id"]: r for r in embedded(results / "index.html")["rows"]}
    assert rows[bad.name]["status"] == "unreadable" and rows[bad.name]["curve"] is None
    assert "summary.json cannot be read" in rows[bad.name]["problem"]
    assert rows["20990101T000000Z-empty"]["problem"] == "no summary.json"
    assert rows["002-lr=0.005"]["curve"] is None and rows[run.name]["curve"] is not None
    points = embedded(sweep / PAGE)["points"]  # sweep.yaml unreadable: every folder, by name
    assert [p["text"] for p in points] == ["lr=0.001", "lr=0.005", "lr=0.1"]


def test_train_and_sweep_rewrite_the_dashboard_and_runs_html_writes_it(tmp_path: Path) -> None:
    index = tmp_path / "results" / "index.html"
    assert cli.invoke(app, ["train", *QUICK, "-q"]).exit_code == 0
    assert [r["kind"] for r in embedded(index)["rows"]] == ["run"]
    swept = cli.invoke(app, ["sweep", "--grid", "optimizer.lr=0.001,0.01", *QUICK, "-q"])
    assert swept.exit_code == 0, swept.output
    assert [r["kind"] for r in embedded(index)["rows"]] == ["sweep", "point", "point", "run"]
    sweep_page = next((tmp_path / "results" / "sweeps").iterdir()) / PAGE
    assert sweep_page.is_file()
    index.unlink()
    sweep_page.unlink()
    written = cli.invoke(app, ["runs", "html"])
    assert written.exit_code == 0, written.output
    assert written.stdout.strip() == str(Path("results") / "index.html")
    assert len(embedded(index)["rows"]) == 4 and len(embedded(sweep_page)["points"]) == 2
    missing = cli.invoke(app, ["runs", "html", "-r", "nowhere"])
    assert missing.exit_code == 2 and "nowhere: no such folder" in missing.stderr


def test_runs_html_help_says_what_it_writes() -> None:
    shown = cli.invoke(app, ["runs", "html", "--help"])
    assert shown.exit_code == 0
    assert "gdlab runs html --results-dir" in shown.stdout and "sweep.html" in shown.stdout


def test_a_dashboard_that_cannot_be_written_never_fails_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(results_dir: Path, every_sweep: bool = True) -> Path:
        raise OSError(28, "No space left on device", str(results_dir / "index.html"))

    monkeypatch.setattr(dashboard, "write_dashboard", full_disk)
    result = cli.invoke(app, ["train", *QUICK, "-q"])
    assert result.exit_code == 0, result.output
    (line,) = result.stderr.strip().splitlines()
    assert (
        line
        == "warning: results/index.html not rewritten: results/index.html: No space left on device"
    )
    (run,) = (tmp_path / "results" / "runs").iterdir()
    assert json.loads((run / "summary.json").read_text())["status"] == "completed"


def test_a_sweep_page_is_redrawn_only_when_missing_or_stale(study: Path, tmp_path: Path) -> None:
    results = tmp_path / "results"
    shutil.copytree(study, results)
    (sweep,) = (results / "sweeps").iterdir()
    page = sweep / PAGE
    os.utime(page, (1, 1))  # older than everything
    write_dashboard(results, every_sweep=False)
    assert page.stat().st_mtime > 1  # stale: redrawn
    os.utime(page, (2e9, 2e9))  # newer than everything
    write_dashboard(results, every_sweep=False)
    assert page.stat().st_mtime == 2e9  # fresh: left alone
    page.unlink()
    write_dashboard(results, every_sweep=False)
    assert page.is_file()  # missing: drawn


def test_a_few_hundred_runs_make_a_page_under_a_megabyte(study: Path, tmp_path: Path) -> None:
    (run,) = (study / "runs").iterdir()
    results = tmp_path / "results"
    for i in range(300):  # 300 runs, each curve thinned to 200 rows: the files linked, not copied
        folder = results / "runs" / f"20990101T{i:06d}Z-copy"
        folder.mkdir(parents=True)
        for f in run.iterdir():
            os.link(f, folder / f.name)
    index = write_dashboard(results)
    assert len(embedded(index)["rows"]) == 300
    assert index.stat().st_size < 1_000_000


def test_a_thousand_points_share_their_rows_and_make_pages_of_a_few_megabytes(
    study: Path, tmp_path: Path
) -> None:
    results = tmp_path / "results"
    shutil.copytree(study, results)
    (sweep,) = (results / "sweeps").iterdir()
    first = sorted((sweep / "runs").iterdir())[0]
    for i in range(4, 1001):  # 10,000 epochs each: the files linked, not copied
        point = sweep / "runs" / f"{i:04d}-copy"
        point.mkdir()
        for f in first.iterdir():
            os.link(f, point / f.name)
    (sweep / "sweep.yaml").unlink()  # the page then shows every folder, by its name
    write_dashboard(results)
    rows = [r for r in embedded(results / "index.html")["rows"] if r["kind"] == "point"]
    points = embedded(sweep / PAGE)["points"]
    assert len(rows) == len(points) == 1000
    lengths = {len(numbers(p["curve"][0])) for p in [*rows, *points]}
    assert max(lengths) <= 50 < min(lengths) + 10  # 50,000 rows shared by 1000 points
    assert (sweep / PAGE).stat().st_size < 3_000_000
    assert (results / "index.html").stat().st_size < 1_500_000
