"""Where a sweep's points run: one after another here, or on a pool of worker processes.

The pool must change nothing but the wall time: every file a point writes, and
the sweep's table, are the same bytes as a serial sweep's.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gdlab.record import launch, prepared, thinned
from gdlab.record.grid import load_sweep
from gdlab.record.readback import load_result
from gdlab.record.sweep import plan_paths, run_sweep

# Points that do not step together: Adam and mini-batches, each shuffled by its seed.
APART = ["optimizer.name=adam,gd", "optimizer.lr=0.01,0.05"]
APART_SET = ["training.batch_size=16", "training.epochs=150", "output.plots=false"]
# Points that do: plain descent over rates, cut into batches differently serially and on a pool.
TOGETHER = ["optimizer.lr=0.001,0.002,0.004,0.008,0.016,0.1"]
TOGETHER_SET = ["training.epochs=400", "output.plots=false"]


def _files(folder: Path) -> dict[str, bytes]:
    """Every file of a sweep but what records when and where it ran (meta.json, the lock)."""
    skip = {"meta.json", ".lock"}
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in skip
    }


@pytest.mark.parametrize(("grid", "overrides"), [(APART, APART_SET), (TOGETHER, TOGETHER_SET)])
def test_a_pool_writes_the_same_bytes_as_one_process(
    tmp_path: Path, grid: list[str], overrides: list[str]
) -> None:
    sweep = load_sweep(None, grid, "1,2" if grid is APART else None, overrides)
    serial = run_sweep(sweep, tmp_path / "serial", ["test"], launcher=launch.Serial())
    pooled = run_sweep(sweep, tmp_path / "pool", ["test"], launcher=launch.Processes(2))
    assert [r.status for r in pooled] == [r.status for r in serial]
    assert len(serial) == len(sweep.points) and "failed" not in {r.status for r in serial}
    ours, theirs = _files(tmp_path / "serial"), _files(tmp_path / "pool")
    assert ours.keys() == theirs.keys() and "sweep.csv" in ours
    for name in ours:
        assert ours[name] == theirs[name], name


def test_groups_are_cut_into_batches_for_the_workers_and_kept_in_order(tmp_path: Path) -> None:
    sweep = load_sweep(None, [*TOGETHER, "optimizer.name=gd,adam"], None, TOGETHER_SET)
    points, together = plan_paths(sweep.points)
    (group,) = together
    assert [p.config.optimizer.name for p in group] == ["gd"] * 6
    assert all(p.config.training.fast for p in group)  # written down, so a rerun alone agrees
    one = launch.tasks_for(points, together, jobs=1)
    two = launch.tasks_for(points, together, jobs=2)
    assert [len(t.points) for t in one if t.together] == [6]
    assert [len(t.points) for t in two if t.together] == [3, 3]
    # Dealt, not cut: each worker gets small and large rates alike (their costs differ).
    assert [list(t.points) for t in two if t.together] == [group[0::2], group[1::2]]
    for tasks in (one, two):  # every point once, in the sweep's order of first points
        assert sorted(p.index for t in tasks for p in t.points) == [p.index for p in points]
        firsts = [t.points[0].index for t in tasks]
        assert firsts == sorted(firsts)
        assert all(len(t.points) == 1 for t in tasks if not t.together)


def test_thinned_histories_keep_the_head_the_stride_and_the_last_row(tmp_path: Path) -> None:
    sweep = load_sweep(None, ["optimizer.lr=0.005,0.1"], None, ["training.epochs=3000"])
    done, diverged = run_sweep(sweep, tmp_path / "s", ["test"], launcher=launch.Serial())
    assert done.run is not None and diverged.run is not None
    epochs = done.run.history.epoch.tolist()
    stride = 3001 // thinned.THIN_ROWS
    assert epochs[: thinned.HEAD_ROWS] == list(range(thinned.HEAD_ROWS))
    assert epochs[-1] == 3000 and all(e % stride == 0 for e in epochs[thinned.HEAD_ROWS : -1])
    # The diverged run's rows are the same epochs as far as it went: curves line up by row.
    short = diverged.run.history.epoch.tolist()
    assert short == epochs[: len(short)]


def test_a_thinned_history_ends_at_the_last_epoch_off_the_log_every_grid(
    tmp_path: Path,
) -> None:
    """10,000 epochs logged every 7th: the last row (epoch 10,000) is one past the grid's."""
    sweep = load_sweep(None, [], "1", ["training.epochs=10000", "training.log_every=7"])
    (done,) = run_sweep(sweep, tmp_path / "s", ["test"], launcher=launch.Serial())
    assert done.run is not None and done.run.history.epoch[-1] == 10_000


def test_a_finished_point_read_back_thinned_holds_what_the_sweep_kept(tmp_path: Path) -> None:
    """--resume reads a finished point parsing only the rows the sweep keeps: the numbers of
    the whole metrics.csv thinned (inf and nan included). A row anywhere in the file that
    lacks a field or holds what no number is written with still makes it not finished."""
    sweep = load_sweep(None, ["optimizer.lr=0.005,0.1"], None, ["training.epochs=3000"])
    results = run_sweep(sweep, tmp_path / "s", ["test"], launcher=launch.Serial())
    for result in results:
        read = thinned.read_light(result.folder, result.point)
        whole = thinned.light(load_result(result.folder), result.point)
        for name in ("epoch", "loss", "w", "b", "grad_w", "grad_b"):
            np.testing.assert_array_equal(getattr(read.history, name), getattr(whole.history, name))
        assert read.summary == whole.summary
    assert np.isinf(thinned.read_light(results[1].folder, results[1].point).history.loss).any()
    metrics = results[0].folder / "metrics.csv"
    lines = metrics.read_text().splitlines()
    row = 1000  # a row the thinned read does not parse
    assert not thinned.kept_rows(len(lines) - 1, 3001)[row - 1]
    fields = lines[row].split(",")
    damages = [
        [lines[row].replace(",", ",x", 1)],  # not a number
        [",".join(fields[:-1])],  # a field short
        [",".join(fields[:-1]), lines[row + 1] + ",0"],  # one short, the next one over
        [",".join(["", *fields[1:]])],  # a field emptied
    ]
    for damaged in damages:
        end = row + len(damaged)
        metrics.write_text("\n".join([*lines[:row], *damaged, *lines[end:]]) + "\n")
        with pytest.raises(ValueError, match="not the summary.json and metrics.csv"):
            thinned.read_light(results[0].folder, results[0].point)
    for cut in ("\n".join(lines), "\n".join(lines[:-1]) + "\n" + lines[-1][:2]):
        metrics.write_text(cut)  # cut short: its last newline lost, or inside its first field
        with pytest.raises(ValueError, match="not the summary.json and metrics.csv"):
            thinned.read_light(results[0].folder, results[0].point)


@pytest.mark.parametrize("check_bytes", [1000, 40])
def test_the_thinned_read_checks_a_long_history_a_piece_at_a_time(
    check_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pieces of many rows, or rows longer than a piece: the same rows' ends, and a
    damaged row refused wherever it falls."""
    from gdlab.record import readback, runs
    from gdlab.record.runner import metrics_header

    rng = np.random.default_rng(0)
    values = rng.normal(size=(300, 5)) * 10.0 ** rng.integers(-8, 8, size=(300, 5))
    values[250:] = np.inf
    values[280:, 1] = np.nan
    columns = [np.arange(300), *values.T]
    body = runs.csv_bytes(metrics_header(1), columns).partition(b"\n")[2]
    whole = readback._row_ends(body, 6)
    assert whole is not None and len(whole) == 300
    monkeypatch.setattr(readback, "CHECK_BYTES", check_bytes)
    np.testing.assert_array_equal(readback._row_ends(body, 6), whole)
    rows = body.split(b"\n")
    for k in (0, 7, 151, 299):  # a field short, here and there
        rows_k = [*rows[:k], rows[k].rsplit(b",", 1)[0], *rows[k + 1 :]]
        assert readback._row_ends(b"\n".join(rows_k), 6) is None


def test_a_quick_sweep_runs_here_and_a_long_one_on_every_core() -> None:
    assert isinstance(launch.local(None, seconds=0.1), launch.Serial)
    assert isinstance(launch.local(1, seconds=100.0), launch.Serial)
    pooled = launch.local(None, seconds=100.0)
    expected = launch.Serial if launch.cores() == 1 else launch.Processes
    assert isinstance(pooled, expected)


def test_workers_are_handed_the_data_the_sweep_prepared_unless_it_is_large(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Prepared once while planning (0.4 s at d = 100), sent to each worker with its sums;
    larger data each worker reads itself."""
    sweep = load_sweep(None, TOGETHER, None, TOGETHER_SET)
    prepared.forget_problems()
    plan_paths(sweep.points)
    shipped = prepared.shipped_problems()
    (problem, sums), *others = shipped.values()
    assert not others and problem is prepared.problem_for(sweep.points[0]) and sums is not None
    monkeypatch.setattr(prepared, "SHIP_BYTES", problem.X.nbytes + problem.y.nbytes - 1)
    assert prepared.shipped_problems() == {}
    prepared.forget_problems()


def _run_script(folder: Path, text: str) -> subprocess.CompletedProcess[str]:
    """A user's Python script, run as one runs it, in ``folder``."""
    script = folder / "script.py"
    script.write_text(text)
    return subprocess.run(
        [sys.executable, str(script)], cwd=folder, capture_output=True, text=True, timeout=120
    )


@pytest.mark.e2e
def test_a_script_that_sweeps_on_workers_without_a_main_guard_gets_one_sweep_and_why(
    tmp_path: Path,
) -> None:
    """Workers import the calling script again: its unguarded gdlab.sweep must not start
    sweeps (folders) of their own there, nor print tracebacks; the sweep says why."""
    done = _run_script(
        tmp_path,
        "import gdlab\n"
        'result = gdlab.sweep(grid={"optimizer.name": ["adam", "gd"]}, jobs=2, plots=False,\n'
        '                     set={"training.batch_size": 16, "training.epochs": 50})\n'
        "print(result)\n",
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    (sweep,) = (tmp_path / "results" / "sweeps").iterdir()
    assert not (tmp_path / "results" / "runs").exists()
    lines = done.stdout.splitlines()
    assert lines[1:] == [
        f"  point {k}: failed: WorkerDied: its worker process ended (killed, out of memory, "
        "or a Python script that starts a sweep outside `if __name__ == '__main__':`)"
        for k in (1, 2)
    ]


@pytest.mark.e2e
def test_a_pool_of_the_users_own_may_train_in_its_tasks(tmp_path: Path) -> None:
    """Its tasks run in processes that imported the script as __mp_main__, after they
    started: gdlab.train there is a run like any other."""
    done = _run_script(
        tmp_path,
        "import multiprocessing\n"
        "import gdlab\n\n"
        "def work(lr):\n"
        '    return gdlab.train(set={"optimizer.lr": lr, "training.epochs": 50}, plots=False)'
        ".summary['status']\n\n"
        'if __name__ == "__main__":\n'
        '    with multiprocessing.get_context("spawn").Pool(2) as pool:\n'
        "        print(pool.map(work, [0.01, 0.02]))\n",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['completed', 'completed']"
    assert len(list((tmp_path / "results" / "runs").iterdir())) == 2


def _assert_pool_writes_what_one_process_writes(sweep: Any, folder: Path) -> None:
    run_sweep(sweep, folder / "serial", ["test"], launcher=launch.Serial())
    run_sweep(sweep, folder / "pool", ["test"], launcher=launch.Processes(2))
    ours, theirs = _files(folder / "serial"), _files(folder / "pool")
    assert ours.keys() == theirs.keys()
    assert [name for name in ours if ours[name] != theirs[name]] == []


@pytest.mark.e2e
def test_data_a_worker_prepares_itself_has_the_same_bits_as_here(tmp_path: Path) -> None:
    """Six data sets: the sweep's process keeps four prepared, which go to the workers; the
    workers prepare the rest, with as many BLAS threads as this process (their own share
    is one core each): an eigendecomposition at d = 40 rounds by the thread count."""
    weights = [k % 5 + 1.0 for k in range(40)]
    sets = [f"data.true_w={weights}", "data.n_samples=3000", "data.standardize=true"]
    sets += ["training.epochs=200", "output.plots=false"]
    sweep = load_sweep(None, [], "1,2,3,4,5,6", sets)
    _assert_pool_writes_what_one_process_writes(sweep, tmp_path)


@pytest.mark.e2e
def test_points_that_multiply_big_data_have_the_same_bits_on_a_pool(tmp_path: Path) -> None:
    """Adam and gradient descent in batches of 20,000 samples: X^T r, which BLAS splits
    over its threads, rounds by their number; a worker multiplies with as many threads as
    this process, whatever its share of the cores."""
    sets = ["data.n_samples=100000", "training.batch_size=20000", "training.epochs=20"]
    sweep = load_sweep(None, APART, None, [*sets, "output.plots=false"])
    _assert_pool_writes_what_one_process_writes(sweep, tmp_path)


@pytest.mark.e2e
def test_a_script_that_runs_the_cli_on_workers_without_a_main_guard_writes_one_sweep(
    tmp_path: Path,
) -> None:
    """The same through the command line run from a script (runpy), as a profiler does."""
    done = _run_script(
        tmp_path,
        "import runpy, sys\n"
        'sys.argv = ["gdlab", "sweep", "-q", "--grid", "optimizer.name=adam,gd", "--set",\n'
        '            "training.batch_size=16", "--set", "training.epochs=50", "-j", "2"]\n'
        'runpy.run_module("gdlab", run_name="__main__")\n',
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert len(list((tmp_path / "results" / "sweeps").iterdir())) == 1
    assert done.stderr.count("WorkerDied") == 2
