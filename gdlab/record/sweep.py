"""Running a sweep: every point into its own run folder, those that can stepping together.

A sweep's full-batch gradient-descent points, plain or with momentum
(``training.fast`` not false), step together on the data's sums
(gdlab/core/batch.py) when at least two of them share a shape and a kind of
step and their sums are accurate (gdlab/core/fastpath.py);
their config.yaml then says ``training.fast: true``, so a rerun of one alone
takes the same path and gives the same bits. Every other point runs the four
functions in its own run. A launcher (gdlab/record/launch.py) decides where:
here one after another, or on every core; the points give the same bits either
way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from gdlab.core import batch
from gdlab.record import launch, owner, prepared, runs, thinned
from gdlab.record.build import with_sums
from gdlab.record.config import dump_config
from gdlab.record.grid import Point, PointResult, Sweep
from gdlab.record.rules import can_batch
from gdlab.record.runner import DrawRun, describe_error
from gdlab.record.sweep_files import SweepTable

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
    launcher: launch.Launcher | None = None,
) -> list[PointResult]:
    """Run every point into ``folder/runs/<label>``; a failing point is recorded, not raised.

    sweep.csv gets a row as each point finishes, so an interrupted sweep still
    lists what finished; at the end it is written once more in the points' order.
    With ``resume``, a point whose folder already holds a finished run of the same
    config is read back instead of run again; an unfinished folder is set aside
    (renamed, never deleted) and the point reruns.
    Ctrl-C (SIGTERM, SIGHUP) stops it after recording the point it interrupted, and
    the points that were stepping together, each up to its last finished epoch (one
    that comes while they are written leaves those not yet written to ``resume``).
    ``draw_run`` draws each run's figures, ``draw_sweep`` the comparison
    figures from whatever finished; ``on_epochs(epoch, of)`` follows the points
    that step together (in this process). ``launcher`` runs the points
    (default: here, one after another). The results hold each run's history
    thinned (thinned.thin); the whole of it is in its metrics.csv.
    """
    folder.mkdir(parents=True, exist_ok=True)
    launcher = launcher or launch.Serial(on_epochs)
    environment = runs.describe_environment(argv, Path.cwd())
    setting = launch.Setting(folder, argv, environment, resume, draw_run, prepared.blas_threads())
    with owner.owned(folder):  # a second process on this sweep is refused before it writes
        try:
            return _run_owned(sweep, setting, on_point_done, draw_sweep, launcher)
        finally:
            prepared.forget_problems()


def _run_owned(
    sweep: Sweep,
    setting: launch.Setting,
    on_point_done: Callable[[PointResult], None] | None,
    draw_sweep: DrawSweep | None,
    launcher: launch.Launcher,
) -> list[PointResult]:
    folder = setting.folder
    runs.write_json(
        folder / "summary.json", {"status": "running", "process": owner.process_record()}
    )
    results: list[PointResult] = []
    table = SweepTable(folder)
    status = "completed"
    figures: dict[str, Any] | None = None

    def record(finished: list[PointResult]) -> None:
        for result in finished:
            results.append(result)
            table.add(result)
            if on_point_done is not None:
                on_point_done(result)

    try:
        points, together = plan_paths(sweep.points)
        reused = [_reuse(p, folder) for p in points] if setting.resume else []
        record([r for r in reused if r is not None])
        done = {r.point.label for r in results}
        todo = [p for p in points if p.label not in done]
        tasks = launch.tasks_for(todo, together, _jobs(launcher))
        if tasks:
            launcher.run(tasks, setting, record)
        results.sort(key=lambda r: r.point.index)
        table.finish(results)
        if any(r.status == "interrupted" for r in results):
            status = "interrupted"
        figures = _draw(draw_sweep, folder, results)
    except KeyboardInterrupt:
        status = "interrupted"
        _finish_table(table, results)
        raise
    except Exception:
        status = "failed"
        _finish_table(table, results)
        raise
    finally:
        if status == "completed" and any(r.status == "failed" for r in results):
            status = "failed"
        record_ = {"status": status, "points": len(sweep.points), "finished": len(results)}
        if figures is not None:
            record_["figures"] = figures
        with contextlib.suppress(OSError):  # a full disk: the error on its way out says so
            runs.write_json_even_if_full(folder / "summary.json", record_)
    if figures is not None and figures["status"] == "interrupted":
        raise KeyboardInterrupt  # the points are all written: only the drawing was stopped
    return results


def _finish_table(table: SweepTable, results: list[PointResult]) -> None:
    """sweep.csv in the points' order, on the way out of a stopped sweep (if it can be)."""
    results.sort(key=lambda r: r.point.index)
    with contextlib.suppress(OSError):
        table.finish(results)


def _jobs(launcher: launch.Launcher) -> int:
    return int(getattr(launcher, "jobs", 1))


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


def plan_paths(points: Sequence[Point]) -> tuple[list[Point], list[list[Point]]]:
    """Decide which points step together, and write it into their configs.

    Points of one shape (features, log_every) and kind of step (plain, heavy ball,
    Nesterov) whose sums are accurate step together when there are at least two of
    them: their config gets ``training.fast: true``. Decided from the whole sweep,
    so a resumed sweep plans exactly as the first did. Returns the points, planned, and the groups
    that step together. A point whose data cannot be read is left out and fails
    in its own run.
    """
    groups: dict[tuple[int, int, bool, bool], list[Point]] = {}
    for point in points:
        if not can_batch(point.config):
            continue
        try:
            problem = prepared.problem_for(point)  # read once for every point on the same data
        except (ValueError, np.linalg.LinAlgError):
            continue
        o = point.config.optimizer
        step = batch.kind(o.momentum or 0.0, o.nesterov)  # runs stepping together share it
        key = (problem.X_train.shape[1], point.config.training.log_every, *step)
        groups.setdefault(key, []).append(point)
    planned = {point.label: point for point in points}
    together: list[list[Point]] = []
    for members in groups.values():
        batched = []
        for point in members:
            _, path = prepared.path_of(point, in_sweep=len(members) > 1)
            if path.sums is not None and point.config.training.fast is None:
                # Batched: written down as asked for, so a rerun alone takes the same path.
                planned[point.label] = replace(point, config=with_sums(point.config))
            if path.sums is not None and len(members) > 1:
                batched.append(planned[point.label])
        if len(batched) > 1:
            together.append(batched)
    return [planned[point.label] for point in points], together


def _reuse(point: Point, folder: Path) -> PointResult | None:
    """The point's finished run read back from disk, if it is there and is the same config."""
    child = folder / "runs" / point.label
    try:
        same = (child / "config.yaml").read_text(encoding="utf-8") == dump_config(point.config)
    except (OSError, ValueError):
        return None
    result = thinned.read_point(child, point) if same else None
    return result if result is not None and result.status in FINAL else None
