"""Where a sweep's points run: in this process, or on every core of this machine.

One small interface, after Hydra's launchers: a launcher is handed the sweep's
tasks (a point, or points that step together on the data's sums) and yields
what each task found as it finishes. Every task runs the same function,
:func:`run_task`, wherever it runs, so a point gives the same bits in this
process, in a worker process, or on a cluster's worker (gdlab/record/cluster.py).

- :class:`Serial` runs the tasks one after another here (``--jobs 1``).
- :class:`Processes` runs them on a pool of worker processes
  (``concurrent.futures``, ``--jobs N``). Ctrl-C, SIGTERM and SIGHUP reach the
  sweep's own process, which stops the workers the way a serial sweep stops:
  the points running are interrupted and recorded as such, no new point starts,
  and every finished point stands.

A task sends back each point's summary and a thinned history (at most a few
hundred rows, enough to draw the sweep's figures: gdlab/record/thinned.py), never
its whole history: what a sweep holds grows with its points by kilobytes, not
megabytes. The data a task's points run on is prepared once a process
(gdlab/record/prepared.py).
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from gdlab.core.batch import PlainRun, train_together
from gdlab.record import owner, prepared, thinned
from gdlab.record.budget import cores, logged_numbers
from gdlab.record.grid import Point, PointResult
from gdlab.record.runner import DrawRun, Ready, run_experiment

BATCH_BYTES = 64 * 2**20  # the histories of one batch trained together, at most
POOL_FROM_SECONDS = 0.3  # a sweep expected to take less (on every core) runs in one process


@dataclass(frozen=True)
class Task:
    """Points that run as one: a single point, or points that step together."""

    points: tuple[Point, ...]
    together: bool = False


@dataclass(frozen=True)
class Setting:
    """What every task of one sweep shares; sent to every worker."""

    folder: Path  # the sweep's folder: each point writes folder/runs/<label>
    argv: list[str]
    environment: dict[str, Any]  # meta.json's description: git asked once a sweep
    resume: bool = False
    draw_run: DrawRun | None = None
    # The BLAS threads of the sweep's process: a worker prepares data with as many (an
    # eigendecomposition's last bits depend on them), whatever its share of the cores.
    blas_threads: int | None = None


# Takes a finished task's results, in the sweep's own process.
Record = Callable[[list[PointResult]], None]


class Launcher(Protocol):
    """Runs tasks somewhere and hands each task's results to ``record`` as the task finishes."""

    def run(self, tasks: Sequence[Task], setting: Setting, record: Record) -> None:
        """Run the tasks; none starts after a point is interrupted (Ctrl-C: KeyboardInterrupt
        once what was running is recorded)."""
        ...


def run_task(
    task: Task, setting: Setting, on_epochs: Callable[[int, int], None] | None = None
) -> list[PointResult]:
    """Run a task's points into ``setting.folder/runs``; a failing point is recorded, not raised.

    Points that step together are trained at once first (``on_epochs(epoch, of)``
    follows them). After a point is interrupted no other starts, but those
    already trained together are still written. A stop signal that arrives while
    points are written (a point's results are held until whole) ends the task: it
    raises :class:`Interrupted` with the results of the points written so far, and
    leaves the trained points not yet written to ``--resume``.
    """
    global _RUNNING
    # BLAS threads. Data is prepared, and any point that multiplies the data trained, on as
    # many as the sweep's process has: an analysis and X^T r round by their number, and
    # the bits are a serial sweep's. A batch steps on the data's sums (no BLAS) and writes
    # what small matrices give, the same bits on any number: it keeps to the worker's share.
    with prepared.blas_limited(setting.blas_threads):
        ready = {p.label: _ready(p) for p in task.points}
    with prepared.blas_limited(_SHARE if task.together else setting.blas_threads):
        if task.together:
            _RUNNING = True  # a worker's Ctrl-C (SIGUSR1) stops the batch at its last epoch
            try:
                _train_together(task.points, ready, on_epochs)
            finally:
                _RUNNING = False
        results: list[PointResult] = []
        interrupted = False
        for point in task.points:
            plan = ready[point.label]
            trained = plan is not None and plan.history is not None
            if (interrupted or _stop_requested()) and not trained:
                break
            try:
                result = _run_point(point, setting, plan)
            except KeyboardInterrupt:
                raise Interrupted([*results, *_written(point, setting)]) from None
            results.append(result)
            interrupted = interrupted or result.status == "interrupted"
    return results


class Interrupted(KeyboardInterrupt):
    """A stop signal that ended a task, with the results its points had written by then."""

    def __init__(self, results: list[PointResult]) -> None:
        super().__init__("interrupted")
        self.results = results

    def __reduce__(self) -> tuple[type[Interrupted], tuple[list[PointResult]]]:
        return Interrupted, (self.results,)  # from a worker process, with its results


def _written(point: Point, setting: Setting) -> list[PointResult]:
    """The point's run, if the signal that stopped it came once its results were written."""
    written = thinned.read_point(setting.folder / "runs" / point.label, point)
    return [] if written is None else [written]


def tasks_for(
    points: Sequence[Point], together: Sequence[Sequence[Point]], jobs: int
) -> list[Task]:
    """The tasks of a sweep in the order of its points: each group that steps together is cut
    into batches (small enough to hold, enough to keep ``jobs`` workers busy), every other
    point is a task of its own."""
    order = {p.label: i for i, p in enumerate(points)}
    groups = [[p for p in group if p.label in order] for group in together]
    groups = [group for group in groups if len(group) > 1]  # a lone point runs alone
    grouped = {p.label for group in groups for p in group}
    tasks = [Task((p,)) for p in points if p.label not in grouped]
    for group in groups:
        tasks += [Task(tuple(batch), together=True) for batch in _batches(group, jobs)]
    return sorted(tasks, key=lambda t: order[t.points[0].label])


def _batches(group: Sequence[Point], jobs: int) -> list[Sequence[Point]]:
    """A group dealt into about equal batches, every count-th point to the same batch: a
    grid's neighbours cost alike (small rates settle late, large ones diverge), so dealt
    they even out the workers' shares. (A batch of a single point trains alone: the same
    bits, train_together's own rule.)"""
    most = max(2, BATCH_BYTES // (logged_numbers(group[0].config) * 8))
    count = max(math.ceil(len(group) / most), min(jobs, len(group) // 2), 1)
    return [group[k::count] for k in range(count)]


class Serial:
    """Every task in this process, one after another."""

    def __init__(self, on_epochs: Callable[[int, int], None] | None = None) -> None:
        self.on_epochs = on_epochs

    def run(self, tasks: Sequence[Task], setting: Setting, record: Record) -> None:
        for task in tasks:
            try:
                results = run_task(task, setting, self.on_epochs)
            except Interrupted as stop:
                record(stop.results)
                raise
            record(results)
            if any(r.status == "interrupted" for r in results):
                return


class Processes:
    """Tasks on ``jobs`` worker processes of this machine (``concurrent.futures``).

    The workers ignore Ctrl-C, SIGTERM and SIGHUP: those reach this process,
    which tells the workers (SIGUSR1) to interrupt the points they are running
    and start no other, collects what they wrote, and then raises
    KeyboardInterrupt, as a serial sweep would.
    """

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs

    def run(self, tasks: Sequence[Task], setting: Setting, record: Record) -> None:
        if min(self.jobs, len(tasks)) < 2:  # nothing to share out: no pool to start
            Serial().run(tasks, setting, record)
            return
        context = _forkserver()
        stop = context.Event()
        pool = ProcessPoolExecutor(
            max_workers=min(self.jobs, len(tasks)),
            mp_context=context,
            initializer=_start_worker,
            initargs=(
                stop,
                os.getpid(),
                max(1, cores() // min(self.jobs, len(tasks))),
                prepared.shipped_problems(),
            ),
        )
        futures = {pool.submit(run_task, task, setting): task for task in tasks}
        unrecorded = set(futures)
        try:
            while unrecorded:
                done, _ = wait(unrecorded, return_when=FIRST_COMPLETED)
                for future in done:
                    results = _results(future, futures[future])
                    unrecorded.discard(future)
                    record(results)
        except KeyboardInterrupt:
            _stop_workers(pool, stop)
            for future in unrecorded:  # finished, or started: it stops at its interrupted point
                if future.done() or not future.cancel():
                    record(_results(future, futures[future]))
            raise
        except BaseException:  # recording failed (a full disk): stop, as for Ctrl-C
            _stop_workers(pool, stop)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _forkserver() -> Any:
    """The context the workers start from: a server process that has imported gdlab once
    (forked from, not started anew, for each worker), started now if it is not running:
    it imports while this process plans the sweep."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["gdlab.record.launch"])
    multiprocessing.forkserver.ensure_running()
    return context


def _results(future: Future[list[PointResult]], task: Task) -> list[PointResult]:
    """A finished task's results; a worker that died fails its points, one line each."""
    try:
        return future.result()
    except Interrupted as stop:  # the worker's, once a point's results were written
        return stop.results
    except KeyboardInterrupt:  # the worker's, between points: none of them was written
        return []
    except BrokenProcessPool:
        error = (
            "WorkerDied: its worker process ended (killed, out of memory, or a Python script "
            "that starts a sweep outside `if __name__ == '__main__':`)"
        )
        return [PointResult(p, error=error, folder=None) for p in task.points]


def _stop_workers(pool: ProcessPoolExecutor, stop: Any) -> None:
    """Start no new point, and interrupt (SIGUSR1) the points running."""
    stop.set()
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError):
            os.kill(process.pid, signal.SIGUSR1)


# In a worker: the sweep's stop flag, whether a point is running there now, and whether
# the sweep's own process is gone.
_STOP: Any = None
_SHARE: int | None = None  # in a worker of this machine, its share of the cores
_RUNNING = False
_ORPHANED = False
WATCH_SECONDS = 0.5


def _start_worker(
    stop: Any, sweep_process: int, threads: int, shipped: dict[prepared.Key, prepared.Prepared]
) -> None:
    global _STOP, _SHARE
    _STOP, _SHARE = stop, threads  # its share of the cores (BLAS threads: run_task)
    prepared.adopt_problems(shipped)  # prepared once, by the sweep's process
    for sig in owner.STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)  # the sweep's own process decides
    signal.signal(signal.SIGUSR1, _interrupt)
    threading.Thread(target=_watch, args=(sweep_process,), daemon=True).start()


def _interrupt(signum: int, frame: object) -> None:
    """SIGUSR1 in a worker: Ctrl-C for the point it runs, once; nothing new starts after."""
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    if _RUNNING:
        raise KeyboardInterrupt


def _watch(sweep_process: int) -> None:
    """If the sweep's own process dies (killed, say), interrupt the point running here as
    Ctrl-C would, let it be written, and end this worker: no orphan trains on alone."""
    global _ORPHANED
    while True:
        time.sleep(WATCH_SECONDS)
        try:
            os.kill(sweep_process, 0)
        except ProcessLookupError:
            break
        except OSError:  # alive, and someone else's to signal
            continue
    _ORPHANED = True
    os.kill(os.getpid(), signal.SIGUSR1)
    while _RUNNING:
        time.sleep(0.05)
    os._exit(1)


def _stop_requested() -> bool:
    return _ORPHANED or (_STOP is not None and _STOP.is_set())


def _run_point(point: Point, setting: Setting, ready: Ready | None) -> PointResult:
    global _RUNNING
    child = setting.folder / "runs" / point.label
    if setting.resume and child.exists():
        _set_aside(child)
    _RUNNING = True
    try:
        run = run_experiment(
            point.config,
            setting.folder / "runs",
            point.label,
            setting.argv,
            stamped=False,
            ready=ready,
            draw=setting.draw_run,
            environment=setting.environment,
        )
    except Exception as err:  # a sweep finishes every other point, then reports this one
        return PointResult(point, error=f"{type(err).__name__}: {err}", folder=child)
    finally:
        _RUNNING = False
    return PointResult(point, run=thinned.light(run, point), folder=run.path)


def _ready(point: Point) -> Ready | None:
    """The point's prepared data and path; None when the data fails (the run says why)."""
    try:  # a batched point's config says fast: true
        return Ready(*prepared.path_of(point))
    except (ValueError, np.linalg.LinAlgError):
        return None


def _train_together(
    points: Sequence[Point],
    ready: dict[str, Ready | None],
    on_epochs: Callable[[int, int], None] | None,
) -> None:
    """Step the points together on their sums; a batch that fails trains each alone."""
    plans = [ready[p.label] for p in points]
    usable = [plan for plan in plans if plan and plan.path and plan.path.sums is not None]
    if len(usable) < len(plans):
        return
    plain = [_plain_run(p, plan) for p, plan in zip(points, usable, strict=True)]
    total = max(run.epochs for run in plain)
    follow = None if on_epochs is None else (lambda epoch: on_epochs(epoch, total))
    with contextlib.suppress(Exception):
        histories = train_together(plain, points[0].config.training.log_every, follow)
        for point, history in zip(points, histories, strict=True):
            plan = ready[point.label]
            assert plan is not None
            ready[point.label] = replace(plan, history=history)


def _plain_run(point: Point, plan: Ready) -> PlainRun:
    c, problem = point.config, plan.problem
    assert plan.path is not None and plan.path.sums is not None
    return PlainRun(
        problem.X_train,
        problem.y,
        plan.path.sums,
        c.optimizer.lr,
        c.training.epochs,
        np.array(c.initial_w(), dtype=np.float64),
        c.training.init_b,
        c.training.tol,
        c.optimizer.momentum or 0.0,
        c.optimizer.nesterov,
    )


def _set_aside(child: Path) -> None:
    """Rename an unfinished run folder out of the way: kept for a look, never deleted."""
    for n in range(1, 1000):
        target = child.with_name(f"{child.name}.unfinished-{n}")
        if not target.exists():
            child.rename(target)
            return


def local(
    jobs: int | None,
    on_epochs: Callable[[int, int], None] | None = None,
    seconds: float = math.inf,
) -> Launcher:
    """This machine's launcher: ``jobs`` worker processes, or, with ``jobs`` None, one per
    core when the sweep's estimated ``seconds`` are worth a pool's start (~0.3 s)."""
    if jobs is None:
        jobs = cores() if seconds >= POOL_FROM_SECONDS else 1
    if jobs == 1:
        return Serial(on_epochs)
    _forkserver()  # warm while the sweep is planned
    return Processes(jobs)
