"""Sweeps on a Dask cluster: one line when Dask is missing or cannot take the sweep, and what
comes back from its workers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gdlab.record import cluster, grid, launch
from gdlab.record.grid import Point, PointResult
from gdlab.version import __version__


def test_without_the_extra_asking_for_dask_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed: ImportError
    with pytest.raises(cluster.ClusterError) as refused:
        cluster.Dask(None, 2)
    assert str(refused.value) == "the dask launcher needs the extra: pip install 'gdlab[dask]'"


def test_gdlab_never_imports_dask_unless_asked() -> None:
    code = (
        "import sys, gdlab.api, gdlab.cli.sweep, gdlab.record.cluster\n"
        "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# What comes back from the cluster, with the cluster stood in for.


class _Finished:
    """A future that has finished: with these results, or with this error."""

    def __init__(self, results: list[PointResult] | None = None, error: Exception | None = None):
        self.results, self.error = results, error

    def result(self) -> list[PointResult]:
        if self.error is not None:
            raise self.error
        assert self.results is not None
        return self.results


def _points() -> tuple[Point, ...]:
    return tuple(grid.load_sweep(None, ["optimizer.lr=0.001,0.01"], None, [], "s").points)


def test_a_task_that_did_not_finish_fails_each_of_its_points_in_one_line(tmp_path: Path) -> None:
    import distributed

    task = launch.Task(_points(), together=True)
    died = distributed.KilledWorker("run_task-1", "tcp://127.0.0.1:1", 0)
    results = cluster._results(_Finished(error=died), task, tmp_path, tmp_path)  # type: ignore[arg-type]
    assert [r.status for r in results] == ["failed", "failed"]
    assert {r.error for r in results} == {
        "WorkerDied: every Dask worker that ran it ended (killed, or out of memory)"
    }
    lost = RuntimeError("lost\nthe rest of a long story")
    (first, _) = cluster._results(_Finished(error=lost), task, tmp_path, tmp_path)  # type: ignore[arg-type]
    assert first.error == "RuntimeError: lost"


def test_results_come_back_named_as_the_sweep_named_its_folder(tmp_path: Path) -> None:
    (point, _) = _points()
    there = tmp_path / "results" / "sweeps" / "s"
    result = PointResult(point, error="x", folder=there / "runs" / point.label)
    (named,) = cluster._results(
        _Finished([result]),  # type: ignore[arg-type]
        launch.Task((point,)),
        there,
        Path("results/sweeps/s"),
    )
    assert named.folder == Path("results/sweeps/s/runs") / point.label


class _Workers:
    """A client whose workers answer the launcher's first question as given."""

    def __init__(self, answers: dict[str, Any] | Exception, threads: int = 1) -> None:
        self.answers = answers
        self.threads = threads

    def nthreads(self) -> dict[str, int]:
        return {"tcp://a": self.threads}

    def run(self, function: Any, *args: Any) -> dict[str, Any]:
        if isinstance(self.answers, Exception):
            raise self.answers  # as when the workers cannot unpickle gdlab's function
        return self.answers


def test_workers_that_cannot_see_the_folder_or_run_this_gdlab_or_share_a_process_are_refused(
    tmp_path: Path,
) -> None:
    (tmp_path / "summary.json").write_text('{"status": "running"}')
    here = cluster._start_worker(str(tmp_path))
    cluster._check_workers(_Workers({"tcp://a": here, "tcp://b": here}), tmp_path)  # type: ignore[arg-type]
    blind = {"tcp://a": here, "tcp://b": (__version__, None)}
    with pytest.raises(cluster.ClusterError, match="tcp://b does not see the sweep's folder"):
        cluster._check_workers(_Workers(blind), tmp_path)  # type: ignore[arg-type]
    older = {"tcp://a": ("0.0.1", here[1])}
    with pytest.raises(cluster.ClusterError, match="tcp://a runs gdlab 0.0.1"):
        cluster._check_workers(_Workers(older), tmp_path)  # type: ignore[arg-type]
    with pytest.raises(cluster.ClusterError, match="tcp://a runs 4 threads.*--nthreads 1"):
        cluster._check_workers(_Workers({"tcp://a": here}, threads=4), tmp_path)  # type: ignore[arg-type]
    missing = ModuleNotFoundError("No module named 'gdlab'")
    with pytest.raises(cluster.ClusterError, match="cannot run gdlab .*install gdlab"):
        cluster._check_workers(_Workers(missing), tmp_path)  # type: ignore[arg-type]
