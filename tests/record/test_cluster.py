"""Sweeps on a Dask cluster: the same bits as here, one line when Dask is missing or cannot
take the sweep, and Ctrl-C that keeps what finished.

The cheap tests run in `make test`; those that start a real local cluster (a few seconds
each) are marked e2e: `make e2e` and CI run them.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, get_args

import pytest
from typer.testing import CliRunner

import gdlab
from gdlab.cli import app
from gdlab.cli import sweep as sweep_command
from gdlab.record import cluster, grid, launch
from gdlab.record.grid import Point, PointResult
from gdlab.version import __version__

cli = CliRunner()
# Points that do not step together: mini-batches, and two optimizers.
APART = [
    "--grid",
    "optimizer.name=adam,gd",
    "--grid",
    "optimizer.lr=0.001,0.01,0.05",
    "--set",
    "training.batch_size=16",
    "--set",
    "training.epochs=200",
    "--no-figures",
]
SAME_FILES = ("metrics.csv", "summary.json", "config.yaml")


def _only(folder: Path) -> Path:
    (child,) = folder.iterdir()
    return child


def _rows(sweep: Path) -> list[dict[str, str]]:
    with (sweep / "sweep.csv").open() as f:
        return list(csv.DictReader(f))


def _points_run(sweep: Path, skip: tuple[str, ...]) -> list[str]:
    """The points' folders, less those in ``skip`` and any set aside (a task run again after
    its worker died sets aside its first try's folder)."""
    names = (p.name for p in (sweep / "runs").iterdir())
    return sorted(name for name in names if name not in skip and ".unfinished-" not in name)


def _assert_same_bits(expected: Path, got: Path, skip: tuple[str, ...] = ()) -> None:
    """Every point's files and sweep.csv, byte for byte (less the points in ``skip``)."""
    points = _points_run(expected, skip)
    assert points and points == _points_run(got, skip)
    for point in points:
        for name in SAME_FILES:
            want = (expected / "runs" / point / name).read_bytes()
            assert (got / "runs" / point / name).read_bytes() == want, f"{point}/{name}"
    if not skip:
        assert (got / "sweep.csv").read_bytes() == (expected / "sweep.csv").read_bytes()


# Without the extra, and asked wrongly: one line, exit 2, nothing written.


def test_without_the_extra_dask_is_refused_in_one_line_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed: ImportError
    result = cli.invoke(app, ["sweep", *APART, "--launcher", "dask"])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == f"error: {cluster.MISSING}"
    with pytest.raises(cluster.ClusterError, match=r"pip install 'gdlab\[dask\]'"):
        gdlab.sweep(grid={"optimizer.lr": [0.001, 0.01]}, launcher="dask")
    assert not (tmp_path / "results").exists()


def test_a_scheduler_without_the_dask_launcher_is_refused(tmp_path: Path) -> None:
    result = cli.invoke(app, ["sweep", *APART, "--scheduler", "tcp://127.0.0.1:8786"])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == "error: --scheduler is for --launcher dask"
    with pytest.raises(ValueError, match="scheduler address is for the dask launcher"):
        gdlab.sweep(grid={"optimizer.lr": [0.001, 0.01]}, scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(ValueError, match="launcher must be 'local' or 'dask', not 'ray'"):
        gdlab.sweep(grid={"optimizer.lr": [0.001, 0.01]}, launcher="ray")  # type: ignore[arg-type]
    assert not (tmp_path / "results").exists()


def test_a_scheduler_address_that_is_not_one_is_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    result = cli.invoke(app, ["sweep", *APART, "--launcher", "dask", "--scheduler", "headnode"])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (
        "error: 'headnode' is not a Dask scheduler's address (missing port number in address "
        "'headnode'); one is written like tcp://10.0.0.5:8786"
    )
    with pytest.raises(cluster.ClusterError, match="unknown address scheme 'http'"):
        gdlab.sweep(grid={"optimizer.lr": [0.001]}, launcher="dask", scheduler="http://h:80")
    assert not (tmp_path / "results").exists()


def test_a_scheduler_that_does_not_answer_or_is_not_dask_is_refused_in_a_line_at_once(
    tmp_path: Path,
) -> None:
    """No scheduler on the port (refused), or a web server there (not Dask's handshake):
    one line and exit 2 before anything is written, not Dask's 30 s and a failed sweep."""
    import socket
    import socketserver
    import threading

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now

    class Web(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.recv(1024)
            self.request.sendall(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")

    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Web) as web:
        threading.Thread(target=web.serve_forever, daemon=True).start()
        for address, said in (
            (f"tcp://127.0.0.1:{port}", f"no Dask scheduler answers at tcp://127.0.0.1:{port}"),
            (f"tcp://127.0.0.1:{web.server_address[1]}", "is not a Dask scheduler"),
        ):
            start = time.monotonic()
            args = ["sweep", *APART, "--launcher", "dask", "--scheduler", address]
            result = cli.invoke(app, [*args, "-r", str(tmp_path / "r")])
            assert result.exit_code == 2, result.output
            assert said in result.stderr and len(result.stderr.strip().splitlines()) == 1
            assert time.monotonic() - start < 10
        web.shutdown()
    assert not (tmp_path / "r").exists()


def test_the_clis_launcher_choices_are_the_records() -> None:
    assert get_args(sweep_command.Launcher) == get_args(cluster.LauncherName)


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


# A real local cluster: two worker processes (a few seconds to start), `make e2e`.


@pytest.mark.e2e
def test_a_sweep_on_a_local_dask_cluster_is_the_same_bits_as_one_run_here(tmp_path: Path) -> None:
    serial = cli.invoke(app, ["sweep", *APART, "--jobs", "1", "-r", "here"])
    assert serial.exit_code == 0, serial.output
    on_dask = cli.invoke(app, ["sweep", *APART, "--launcher", "dask", "--jobs", "2", "-r", "dask"])
    assert on_dask.exit_code == 0, on_dask.output
    here, there = _only(tmp_path / "here" / "sweeps"), _only(tmp_path / "dask" / "sweeps")
    _assert_same_bits(here, there)
    assert [r["path"] for r in _rows(there)] == ["four functions"] * 6  # none stepped together
    assert json.loads((there / "summary.json").read_text())["status"] == "completed"


@pytest.mark.e2e
def test_points_that_step_together_are_the_same_bits_on_a_local_dask_cluster(
    tmp_path: Path,
) -> None:
    lrs = {"optimizer.lr": [0.001, 0.005, 0.01, 0.02, 0.1]}  # 0.1 diverges
    settings = {"training.epochs": 500}
    here = gdlab.sweep(grid=lrs, set=settings, plots=False, jobs=1, results_dir="here")
    there = gdlab.sweep(
        grid=lrs, set=settings, plots=False, launcher="dask", jobs=2, results_dir="dask"
    )
    _assert_same_bits(here.path, there.path)
    assert [r["path"] for r in _rows(there.path)] == ["sums"] * 5
    for run in there.runs:  # stepped together, as the config each point wrote says
        assert "fast: true" in (run.path / "config.yaml").read_text()
    assert [run.path for run in there.runs] == [
        there.path / "runs" / label for label in sorted(os.listdir(there.path / "runs"))
    ]


def _die_at(lr: float) -> None:
    """On a worker: the point with this rate ends its worker process, as the OOM killer would."""
    from gdlab.record import runner

    train = runner.run_training

    def dying(config: Any, *args: Any, **kwargs: Any) -> Any:
        if config.optimizer.lr == lr:
            os._exit(1)
        return train(config, *args, **kwargs)

    runner.run_training = dying


@pytest.mark.e2e
def test_a_running_scheduler_takes_the_sweep_and_a_worker_that_dies_fails_its_point_alone(
    tmp_path: Path,
) -> None:
    import dask
    import distributed

    serial = cli.invoke(app, ["sweep", *APART, "--jobs", "1", "-r", "here"])
    assert serial.exit_code == 0, serial.output
    # No second try after a worker dies, and one task a worker at a time: only its point fails.
    once = {
        "distributed.scheduler.allowed-failures": 0,
        "distributed.scheduler.worker-saturation": 1,
    }
    with (
        dask.config.set(once),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, dashboard_address=":0"
        ) as running,
        distributed.Client(running) as client,
    ):

        async def in_a_notebook() -> None:  # a notebook's cell runs inside an event loop
            cluster.check(running.scheduler_address)

        asyncio.run(in_a_notebook())  # the scheduler is seen for one there too
        client.run(_die_at, 0.01)
        args = ["--launcher", "dask", "--scheduler", running.scheduler_address, "-r", "dask"]
        result = cli.invoke(app, ["sweep", *APART, *args])
    assert result.exit_code == 1, result.output
    died = [line for line in result.stdout.splitlines() if line.startswith("failed:")]
    worker_died = "WorkerDied: every Dask worker that ran it ended (killed, or out of memory)"
    assert len(died) == 2  # adam and gd at lr 0.01, one line each
    for line, label in zip(died, ["002-name=adam-lr=0.01", "005-name=gd-lr=0.01"], strict=True):
        assert line == f"failed: {label}: {worker_died}", result.stdout
    here, there = _only(tmp_path / "here" / "sweeps"), _only(tmp_path / "dask" / "sweeps")
    _assert_same_bits(here, there, skip=("002-name=adam-lr=0.01", "005-name=gd-lr=0.01"))
    expected = [r["status"] for r in _rows(here)]
    expected[1] = expected[4] = "failed"
    assert [r["status"] for r in _rows(there)] == expected


@pytest.mark.e2e
def test_a_cluster_whose_workers_run_threads_is_refused_in_one_line(tmp_path: Path) -> None:
    import distributed

    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=2,
            processes=False,
            protocol="tcp",
            dashboard_address=":0",
        ) as threaded,
        distributed.Client(threaded),
    ):
        args = ["--launcher", "dask", "--scheduler", threaded.scheduler_address]
        result = cli.invoke(app, ["sweep", *APART, *args])
    assert result.exit_code == 1, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: the Dask worker ")
    assert "runs 2 threads; gdlab's points each need a worker process of their own" in line
    assert line.endswith(f"finish it with: gdlab sweep --resume {_only(Path('results/sweeps'))}")
    assert not list(tmp_path.glob("results/sweeps/*/runs/*"))  # no point started


@pytest.mark.e2e
def test_ctrl_c_keeps_the_points_finished_on_a_local_cluster_and_leaves_no_traceback(
    tmp_path: Path,
) -> None:
    # Two quick points, then two that would run for hours: Ctrl-C arrives while they run.
    points = ["--grid", "training.epochs=100,200,10000000,10000000", "--set", "optimizer.name=adam"]
    process = subprocess.Popen(
        [sys.executable, "-m", "gdlab", "sweep", *points, "--no-figures"]
        + ["--launcher", "dask", "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    deadline = time.monotonic() + 60
    while not _two_done_two_running(found := list(tmp_path.glob("results/sweeps/*/runs/00*"))):
        assert time.monotonic() < deadline and process.poll() is None, process.communicate()
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # the terminal's Ctrl-C: every process of the job
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "WARNING" not in err, err
    assert err.strip().splitlines()[-1] == "interrupted (SIGINT)"
    folder = found[0].parent.parent
    assert "--resume" in out
    assert [r["status"] for r in _rows(folder)] == ["completed", "completed"]
    assert json.loads((folder / "summary.json").read_text())["status"] == "interrupted"
    for unfinished in sorted(found)[2:]:  # killed with their worker: a resume sets them aside
        summary = json.loads((unfinished / "summary.json").read_text())
        assert summary["status"] == "running"


def _two_done_two_running(folders: list[Path]) -> bool:
    """The sweep's first two points are in sweep.csv, and the last two have started."""
    table = folders[0].parent.parent / "sweep.csv" if folders else None
    if len(folders) < 4 or table is None or not table.exists():
        return False
    return len(table.read_text().splitlines()) == 3
