"""The pages' cache of a sweep's points (gdlab/pages/points.py): a finished sweep's points are
read once, whatever changes in a point's folder shows on the next refresh, a cache that is
not gdlab's is read as empty, and `gdlab runs html` trusts no cache."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gdlab.cli import app
from gdlab.pages import dashboard, points
from gdlab.pages.dashboard import write_dashboard
from gdlab.pages.points import CACHE, read_points
from gdlab.pages.sweep_page import PAGE
from gdlab.record.catalog import Entry, read_entry
from tests.pages.test_dashboard import embedded

QUICK = ["--set", "training.epochs=300", "--set", "output.plots=false", "-q"]


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results folder with one sweep of three short runs, the last diverging."""
    results = tmp_path_factory.mktemp("swept") / "results"
    grid = ["--grid", "optimizer.lr=0.001,0.01,0.1"]
    done = CliRunner().invoke(app, ["sweep", *grid, *QUICK, "-r", str(results)])
    assert done.exit_code == 0, done.output
    return results


@pytest.fixture
def results(swept: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of ``swept`` whose points may be cached as soon as they are read; its first
    point is tagged 'old'."""
    monkeypatch.setattr(points, "SETTLE_NS", 0)
    copy = tmp_path / "results"
    shutil.copytree(swept, copy)
    (first_point(copy) / "labels.json").write_text('{"tags": ["old"], "note": null}\n')
    return copy


def first_point(results: Path) -> Path:
    return sorted((results / "sweeps").glob("*/runs/*"))[0]


def sweep_of(results: Path) -> Entry:
    (folder,) = (results / "sweeps").iterdir()
    return read_entry(folder, "sweep")


def shown(results: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The points as the dashboard and as the sweep page show them, by folder name."""
    rows = embedded(results / "index.html")["rows"]
    page = embedded(sweep_of(results).path / PAGE)["points"]
    return {r["id"]: r for r in rows if r["kind"] == "point"}, {p["label"]: p for p in page}


def test_a_finished_sweep_is_read_once(results: Path) -> None:
    sweep = sweep_of(results)
    (sweep.path / CACHE).unlink()  # as the sweep's own refresh left it
    first = read_points(sweep)
    assert (first.reread, first.changed) == (3, 3) and (sweep.path / CACHE).is_file()
    again = read_points(sweep)
    assert (again.reread, again.changed) == (0, 0)
    assert json.dumps([vars(f) for f in again.facts.values()]) == json.dumps(
        [vars(f) for f in first.facts.values()]
    )
    assert [f.status for f in again.facts.values()] == ["completed", "completed", "diverged"]
    assert read_points(sweep, fresh=True).reread == 3  # what `gdlab runs html` asks for


def test_points_just_written_are_read_again_until_they_settle(swept: Path, tmp_path: Path) -> None:
    shutil.copytree(swept, tmp_path / "results")  # every file changed a moment ago
    sweep = sweep_of(tmp_path / "results")
    assert read_points(sweep).reread == 3
    again = read_points(sweep)  # a rewrite within a tick of the clock would keep its stat
    assert (again.reread, again.changed) == (3, 0)  # read, but not changed: no page redrawn


def test_a_running_point_is_read_again_every_time(results: Path) -> None:
    sweep = sweep_of(results)
    read_points(sweep)
    summary = first_point(results) / "summary.json"
    summary.write_text(json.dumps({**json.loads(summary.read_text()), "status": "running"}))
    assert read_points(sweep).reread == 1
    again = read_points(sweep)  # whether its writer still lives is in no file
    assert (again.reread, again.changed) == (1, 0)
    assert again.facts[first_point(results).name].status == "running"


def _status_in_place(point: Path) -> None:
    """summary.json rewritten in place to the same size and modified time: only its ctime
    says so (after a pause longer than a tick of the file system's clock)."""
    path = point / "summary.json"
    before = path.stat()
    time.sleep(0.05)
    text = path.read_text().replace('"completed"', '"failed"   ')
    with path.open("r+") as f:
        f.write(text)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size


def _short_metrics(point: Path) -> None:
    (point / "metrics.csv").write_text("epoch,loss,w,b,grad_w,grad_b\n0,5,0,0,0,0\n1,4,1,1,0,0\n")


def _retagged(point: Path) -> None:
    """labels.json rewritten in place: its folder's times stay as they were."""
    (point / "labels.json").write_text('{"tags": ["best"], "note": null}\n')


def _figure(point: Path) -> None:
    (point / "loss.png").write_bytes(b"\x89PNG\r\n\x1a\n")


def _explore(point: Path) -> None:
    (point / "explore.html").write_text("<!DOCTYPE html>\n")


# A change to the first point's folder, and what the dashboard row and sweep page then show.
CHANGES: list[tuple[Callable[[Path], None], Callable[[dict[str, Any], dict[str, Any]], bool]]] = [
    (_status_in_place, lambda row, point: row["status"] == point["status"] == "failed"),
    (_short_metrics, lambda row, point: row["curve"] == point["curve"] == ["0,1", "5,4"]),
    (_retagged, lambda row, point: row["tags"] == ["best"]),
    (_figure, lambda row, point: row["figures"] == ["loss.png"]),
    (_explore, lambda row, point: row["explore"] and point["explore"].endswith("explore.html")),
]


@pytest.mark.parametrize(("change", "seen"), CHANGES, ids=[c.__name__ for c, _ in CHANGES])
def test_a_change_to_a_point_shows_at_the_next_refresh(
    results: Path,
    change: Callable[[Path], None],
    seen: Callable[[dict[str, Any], dict[str, Any]], bool],
) -> None:
    write_dashboard(results, every_sweep=False)
    assert read_points(sweep_of(results)).reread == 0  # the cache is in force
    first = first_point(results)
    rows, page = shown(results)
    assert not seen(rows[first.name], page[first.name])
    change(first)
    write_dashboard(results, every_sweep=False)
    rows, page = shown(results)
    assert seen(rows[first.name], page[first.name])


def test_a_point_removed_leaves_both_pages(results: Path) -> None:
    write_dashboard(results, every_sweep=False)
    first = first_point(results)
    shutil.rmtree(first)
    write_dashboard(results, every_sweep=False)
    rows, page = shown(results)
    assert len(rows) == len(page) == 2 and first.name not in rows and first.name not in page


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        "[]",
        '{"version": 1}',
        '{"version": 1, "rows": 200, "points": []}',
        '{"version": 1, "rows": 200, "points": {"001-lr=0.001": {"stamp": [], "facts": {}}}}',
    ],
)
def test_a_cache_that_is_not_gdlabs_is_read_as_empty(results: Path, text: str) -> None:
    sweep = sweep_of(results)
    (sweep.path / CACHE).write_text(text)
    assert read_points(sweep).reread == 3
    assert read_points(sweep).reread == 0  # and it is written whole again


def test_runs_html_reads_every_point_afresh(results: Path) -> None:
    write_dashboard(results, every_sweep=False)
    cache = sweep_of(results).path / CACHE
    held = json.loads(cache.read_text())  # what no file says: only the cache can show it
    for point in held["points"].values():
        point["facts"]["status"] = "interrupted"
    cache.write_text(json.dumps(held))
    write_dashboard(results, every_sweep=False)
    assert {r["status"] for r in shown(results)[0].values()} == {"interrupted"}
    write_dashboard(results)  # gdlab runs html
    rows, page = shown(results)
    assert [r["status"] for r in rows.values()] == ["completed", "completed", "diverged"]
    assert [p["status"] for p in page.values()] == ["completed", "completed", "diverged"]


def test_a_sweep_page_that_cannot_be_redrawn_is_removed_until_it_can(
    results: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_dashboard(results, every_sweep=False)
    first = first_point(results)
    _short_metrics(first)  # the cache learns of it; the page must be redrawn

    def full_disk(folder: Path, points: object = None) -> Path:
        raise OSError(28, "No space left on device", str(folder / PAGE))

    writer = dashboard.write_sweep_page
    monkeypatch.setattr(dashboard, "write_sweep_page", full_disk)
    write_dashboard(results, every_sweep=False)
    sweep = sweep_of(results).path
    assert not (sweep / PAGE).exists()  # not left showing what is no longer so
    (row,) = [r for r in embedded(results / "index.html")["rows"] if r["kind"] == "sweep"]
    assert row["page"] is None
    monkeypatch.setattr(dashboard, "write_sweep_page", writer)
    write_dashboard(results, every_sweep=False)
    assert shown(results)[1][first.name]["curve"] == ["0,1", "5,4"]
