"""The data a sweep's points run on, prepared once per process, and the BLAS threads it is
prepared and trained with.

A sweep's points mostly share their data: it is read, analysed (gdlab/core/theory.py)
and, when a path takes them, reduced to its sums (gdlab/core/sums.py) once for all of
them, kept by what decides it (the data and model sections of a config). A pool's
workers are handed what the sweep's process prepared while planning, when it is small
enough to send. Preparing and training use BLAS, whose bits depend on its thread count
where it multiplies the data: :func:`blas_limited` sets it for a block.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator

import threadpoolctl

from gdlab.core.fastpath import PathChoice
from gdlab.core.sums import SufficientStats
from gdlab.record.build import Problem, load_data, path_for, prepare
from gdlab.record.config import DataConfig
from gdlab.record.grid import Point
from gdlab.record.schema import ModelConfig

# The data each process has prepared, by what decides it: read and analysed once, with its
# sums (gdlab/core/sums.py, None until a path takes them) built once for every point on it.
Key = tuple[DataConfig, ModelConfig]
Prepared = tuple[Problem, SufficientStats | None]
_PREPARED: dict[Key, Prepared] = {}
_KEEP_PREPARED = 4


def blas_threads() -> int | None:
    """How many threads this process's BLAS computes with (None: no BLAS found)."""
    counts = [i["num_threads"] for i in _controller().info() if i["user_api"] == "blas"]
    return max(counts) if counts else None


@contextlib.contextmanager
def blas_limited(threads: int | None) -> Iterator[None]:
    """BLAS on ``threads`` threads inside (None: as they are)."""
    if threads is None:
        yield
        return
    with _controller().limit(limits=threads, user_api="blas"):
        yield


@functools.cache
def _controller() -> threadpoolctl.ThreadpoolController:
    """Made once: it finds the libraries (0.3 ms); a limit then takes 10 us."""
    return threadpoolctl.ThreadpoolController()


def problem_for(point: Point) -> Problem:
    """The point's data, prepared (from this process's few most recent)."""
    key = _key(point)
    if key not in _PREPARED:
        problem = prepare(point.config, *load_data(point.config))
        while len(_PREPARED) >= _KEEP_PREPARED:
            _PREPARED.pop(next(iter(_PREPARED)))
        _PREPARED[key] = (problem, None)
    return _PREPARED[key][0]


def path_of(point: Point, in_sweep: bool = False) -> tuple[Problem, PathChoice]:
    """The point's data and the path its run takes on it, the data's sums built (only if a
    path takes them) once for every point on the same data."""
    problem, key = problem_for(point), _key(point)
    path = path_for(point.config, problem, in_sweep, _PREPARED[key][1])
    if path.sums is not None:
        _PREPARED[key] = (problem, path.sums)
    return problem, path


def _key(point: Point) -> Key:
    return point.config.data, point.config.model


# What a worker is handed of the data its sweep's process prepared while planning, for data
# small enough to send (a pickle of 1.5 MB at d = 100 takes 2 ms; preparing it again took
# each worker 0.4 s). Larger data each worker reads itself.
SHIP_BYTES = 32 * 2**20


def shipped_problems() -> dict[Key, Prepared]:
    """The data prepared here that is small enough to hand to a worker (SHIP_BYTES)."""

    def size(problem: Problem) -> int:
        arrays = {id(a): a for a in (problem.X, problem.X_train, problem.y)}
        return sum(a.nbytes for a in arrays.values())

    return {key: kept for key, kept in _PREPARED.items() if size(kept[0]) <= SHIP_BYTES}


def forget_problems() -> None:
    """Let go of the data held for a sweep."""
    _PREPARED.clear()


def adopt_problems(prepared: dict[Key, Prepared]) -> None:
    """Take the data a sweep's process prepared (in a worker: shipped_problems there)."""
    _PREPARED.update(prepared)
