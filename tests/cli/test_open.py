"""`gdlab open`: a run's page in the browser, written first when the run has none."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gdlab.cli import app

cli = CliRunner()
QUICK = ["--set", "training.epochs=200", "--set", "output.plots=false"]


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The addresses handed to the browser (none is started)."""
    urls: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: urls.append(url) or True)
    return urls


def test_open_hands_the_runs_page_to_the_browser(opened: list[str]) -> None:
    assert cli.invoke(app, ["train", *QUICK]).exit_code == 0
    (folder,) = Path("results/runs").iterdir()
    result = cli.invoke(app, ["open", folder.name[:10]])
    assert result.exit_code == 0, result.output
    page = (folder / "explore.html").resolve()
    assert opened == [page.as_uri()] and result.stdout.strip() == str(page)


def test_a_sweep_point_gets_its_page_written_first(opened: list[str]) -> None:
    result = cli.invoke(app, ["sweep", "--grid", "optimizer.lr=0.005,0.1", *QUICK])
    assert result.exit_code == 0, result.output
    (sweep,) = Path("results/sweeps").iterdir()
    point = sweep / "runs" / "002-lr=0.1"
    assert not (point / "explore.html").exists()
    result = cli.invoke(app, ["open", str(point), "--print"])
    assert result.exit_code == 0, result.output
    assert (point / "explore.html").is_file() and opened == []
    assert "first_inf_epoch" in (point / "explore.html").read_text(encoding="utf-8")


def test_a_folder_that_holds_no_finished_run_is_one_line(opened: list[str]) -> None:
    assert cli.invoke(app, ["train", *QUICK]).exit_code == 0
    (folder,) = Path("results/runs").iterdir()
    (folder / "metrics.csv").write_text("epoch,loss\n", encoding="utf-8")
    result = cli.invoke(app, ["open", str(folder), "--rebuild"])
    assert result.exit_code == 2 and opened == []
    assert result.stderr.startswith("error: ") and "finished run" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_with_no_browser_it_says_where_the_page_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webbrowser, "open", lambda url: False)
    assert cli.invoke(app, ["train", *QUICK]).exit_code == 0
    (folder,) = Path("results/runs").iterdir()
    result = cli.invoke(app, ["open", str(folder)])
    assert result.exit_code == 0
    assert "explore.html" in result.stdout and "no web browser" in result.stderr


def test_open_with_no_run_is_the_dashboard_and_a_sweep_its_page(opened: list[str]) -> None:
    result = cli.invoke(app, ["sweep", "--grid", "optimizer.lr=0.005,0.1", *QUICK])
    assert result.exit_code == 0, result.output
    (sweep,) = Path("results/sweeps").iterdir()
    (sweep / "sweep.html").unlink()  # written again when asked for
    assert cli.invoke(app, ["open", sweep.name[:10]]).exit_code == 0
    assert cli.invoke(app, ["open"]).exit_code == 0
    assert opened == [
        (sweep / "sweep.html").resolve().as_uri(),
        Path("results/index.html").resolve().as_uri(),
    ]
    assert cli.invoke(app, ["open", "--results-dir", "nowhere"]).exit_code == 2


def test_the_dashboard_follows_tags_removals_and_the_python_api() -> None:
    import gdlab

    run = gdlab.train(set={"training.epochs": 100}, plots=False)
    index = Path("results/index.html")
    assert (run.path / "explore.html").is_file() and run.path.name in index.read_text("utf-8")
    assert cli.invoke(app, ["runs", "tag", run.path.name, "--tag", "zebra"]).exit_code == 0
    assert "zebra" in index.read_text("utf-8")
    assert cli.invoke(app, ["runs", "rm", run.path.name]).exit_code == 0
    assert run.path.name not in index.read_text("utf-8")
    assert cli.invoke(app, ["runs", "restore", run.path.name]).exit_code == 0
    assert run.path.name in index.read_text("utf-8")
