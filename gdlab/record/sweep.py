"""Running a sweep: every point into its own run folder, those that can stepping together.

A sweep's plain full-batch gradient-descent points (``training.fast`` not
false) step together on the data's sums (gdlab/core/batch.py) when at least two
of them share a shape and their sums are accurate (gdlab/core/fastpath.py);
their config.yaml then says ``training.fast: true``, so a rerun of one alone
takes the same path and gives the same bits. Every other point runs the four
functions in its own run, one after another.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from gdlab.core.batch import PlainRun, train_together
from gdlab.record import owner, runs
from gdlab.record.build import Problem, load_data, path_for, prepare, with_sums
from gdlab.record.config import DataConfig, dump_config
from gdlab.record.grid import Point, PointResult, Sweep
from gdlab.record.rules import can_batch
from gdlab.record.runner import DrawRun, Ready, describe_error, load_result, run_experiment
from gdlab.record.schema import ModelConfig
from gdlab.record.sweep_files import write_table

# Draws a sweep's comparison figures into its folder, from the points that finished.
DrawSweep = Callable[[Path, Sequence[PointResult]], None]

FINAL = ("completed", "converged", "diverged")


def run_sweep(
    sweep: Sweep,
    folder: Path,
    argv: list[str],
    on_point_done: Callable[[PointResult], None] | None = None,
    resume: bool = False,
    draw_run: DrawRun | None = None,
    draw_sweep: DrawSweep | None = None,
    on_epochs: Callable[[int, int], None] | None = None,
) -> list[PointResult]:
    """Run every point into ``folder/runs/<label>``; a failing point is recorded, not raised.

    sweep.csv is rewritten after every point, so an interrupted sweep still
    lists what finished. With ``resume``, a point whose folder already holds a
    finished run of the same config is read back instead of run again; an
    unfinished folder is set aside (renamed, never deleted) and the point reruns.
    Ctrl-C (SIGTERM, SIGHUP) stops it after recording the point it interrupted, and
    the points that were stepping together, each up to its last finished epoch.
    ``draw_run`` draws each run's figures, ``draw_sweep`` the comparison
    figures from whatever finished; ``on_epochs(epoch, of)`` follows the points
    that step together.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with owner.owned(folder):  # a second process on this sweep is refused before it writes
        return _run_owned(
            sweep, folder, argv, on_point_done, resume, draw_run, draw_sweep, on_epochs
        )


def _run_owned(
    sweep: Sweep,
    folder: Path,
    argv: list[str],
    on_point_done: Callable[[PointResult], None] | None,
    resume: bool,
    draw_run: DrawRun | None,
    draw_sweep: DrawSweep | None,
    on_epochs: Callable[[int, int], None] | None,
) -> list[PointResult]:
    runs.write_json(
        folder / "summary.json", {"status": "running", "process": owner.process_record()}
    )
    results: list[PointResult] = []
    status = "completed"
    figures: dict[str, Any] | None = None
    try:
        points, ready = plan_paths(sweep.points)
        reused = {p.label: _reuse(p, folder) if resume else None for p in points}
        train_in_batches([p for p in points if reused[p.label] is None], ready, on_epochs)
        for point in points:
            plan = ready.get(point.label)
            trained = plan is not None and plan.history is not None
            if status == "interrupted" and not trained:
                break  # nothing new starts after an interrupt; what was trained is written
            result = reused[point.label]
            if result is None:
                result = _run_point(point, folder, argv, resume, plan, draw_run)
            results.append(result)
            write_table(folder, results)
            if on_point_done is not None:
                on_point_done(result)
            if result.status == "interrupted":
                status = "interrupted"
        figures = _draw(draw_sweep, folder, results)
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    except Exception:
        status = "failed"
        raise
    finally:
        if status == "completed" and any(r.status == "failed" for r in results):
            status = "failed"
        record = {"status": status, "points": len(sweep.points), "finished": len(results)}
        if figures is not None:
            record["figures"] = figures
        with contextlib.suppress(OSError):  # a full disk: the error on its way out says so
            runs.write_json_even_if_full(folder / "summary.json", record)
    if figures is not None and figures["status"] == "interrupted":
        raise KeyboardInterrupt  # the points are all written: only the drawing was stopped
    return results


def _draw(
    draw_sweep: DrawSweep | None, folder: Path, results: list[PointResult]
) -> dict[str, Any] | None:
    """Draw the comparison figures; a failure or an interrupt is returned, not raised: the
    points are written and their results stand (summary.json's ``figures`` says what happened)."""
    if draw_sweep is None:
        return None
    try:
        draw_sweep(folder, results)
    except Exception as err:
        return {"status": "failed", "error": describe_error(err)}
    except KeyboardInterrupt:
        return {"status": "interrupted", "error": "interrupted while drawing"}
    return None


def plan_paths(points: Sequence[Point]) -> tuple[list[Point], dict[str, Ready]]:
    """Read the data of the points that may step together and decide their paths.

    Points of one shape (features, log_every) whose sums are accurate step
    together when there are at least two of them: their config gets
    ``training.fast: true``. Decided from the whole sweep, so a resumed sweep
    plans exactly as the first did. A point whose data cannot be read is left
    out and fails in its own run.
    """
    groups: dict[tuple[int, int], list[tuple[Point, Problem]]] = {}
    # Points on the same data (and model: its powers, its scaling) share it, read once.
    problems: dict[tuple[DataConfig, ModelConfig], Problem] = {}
    for point in points:
        if not can_batch(point.config):
            continue
        data = (point.config.data, point.config.model)
        try:
            if data not in problems:
                problems[data] = prepare(point.config, *load_data(point.config))
        except (ValueError, np.linalg.LinAlgError):
            continue
        problem = problems[data]
        key = (problem.X_train.shape[1], point.config.training.log_every)
        groups.setdefault(key, []).append((point, problem))
    planned = {point.label: point for point in points}
    ready: dict[str, Ready] = {}
    for members in groups.values():
        for point, problem in members:
            path = path_for(point.config, problem, in_sweep=len(members) > 1)
            if path.sums is not None and point.config.training.fast is None:
                # Batched: written down as asked for, so a rerun alone takes the same path.
                planned[point.label] = replace(point, config=with_sums(point.config))
                path = path_for(planned[point.label].config, problem, sums=path.sums)
            ready[point.label] = Ready(problem, path)
    return [planned[point.label] for point in points], ready


def train_in_batches(
    points: Sequence[Point],
    ready: dict[str, Ready],
    on_epochs: Callable[[int, int], None] | None = None,
) -> None:
    """Train together the points planned onto the sums, one batch per shape; fills ``ready``.

    A lone point, or a batch that fails, trains alone in its own run (and fails alone).
    """
    groups: dict[tuple[int, int], list[Point]] = {}
    for point in points:
        plan = ready.get(point.label)
        if plan is None or plan.path is None or plan.path.sums is None:
            continue
        key = (plan.problem.X_train.shape[1], point.config.training.log_every)
        groups.setdefault(key, []).append(point)
    for members in groups.values():
        if len(members) < 2:
            continue
        plain = [_plain_run(p, ready[p.label]) for p in members]
        follow = (
            None
            if on_epochs is None
            else functools.partial(_follow, on_epochs, max(run.epochs for run in plain))
        )
        with contextlib.suppress(Exception):
            log_every = members[0].config.training.log_every
            histories = train_together(plain, log_every, follow)
            for point, history in zip(members, histories, strict=True):
                ready[point.label] = replace(ready[point.label], history=history)


def _follow(on_epochs: Callable[[int, int], None], total: int, epoch: int) -> None:
    on_epochs(epoch, total)


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
    )


def _run_point(
    point: Point,
    folder: Path,
    argv: list[str],
    resume: bool,
    ready: Ready | None,
    draw: DrawRun | None,
) -> PointResult:
    child = folder / "runs" / point.label
    if resume and child.exists():
        _set_aside(child)
    try:
        run = run_experiment(
            point.config, folder / "runs", point.label, argv, stamped=False, ready=ready, draw=draw
        )
        return PointResult(point, run=run, folder=run.path)
    except Exception as err:  # a sweep finishes every other point, then reports this one
        return PointResult(point, error=f"{type(err).__name__}: {err}", folder=child)


def _reuse(point: Point, folder: Path) -> PointResult | None:
    """The point's finished run read back from disk, if it is there and is the same config."""
    child = folder / "runs" / point.label
    try:
        same = (child / "config.yaml").read_text(encoding="utf-8") == dump_config(point.config)
        if not same or runs.read_json(child / "summary.json").get("status") not in FINAL:
            return None
        return PointResult(point, run=load_result(child), folder=child)
    except (OSError, ValueError, KeyError):
        return None


def _set_aside(child: Path) -> None:
    """Rename an unfinished run folder out of the way: kept for a look, never deleted."""
    for n in range(1, 1000):
        target = child.with_name(f"{child.name}.unfinished-{n}")
        if not target.exists():
            child.rename(target)
            return
