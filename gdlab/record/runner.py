"""One experiment end to end: config -> data -> theory -> train -> run folder (-> figures).

The CLI and the sweep call :func:`run_experiment`; this module owns the order
of the steps and what each file of a run folder contains. Figures are drawn by
a callback (``draw``) handed in from the layer that draws (gdlab/plots/).
"""

from __future__ import annotations

import contextlib
import os
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from gdlab.core.fastpath import PathChoice
from gdlab.core.notation import Array, feature_names
from gdlab.core.train import History, ProgressCallback
from gdlab.record import owner, runs
from gdlab.record.budget import check_run
from gdlab.record.build import (
    Problem,
    load_data,
    path_for,
    prepare,
    run_training,
    scheduled_rates,
)
from gdlab.record.config import Config, dump_config
from gdlab.record.summary import summarize

# Draws a finished run's figures into its folder: (folder, config, problem, history).
# It may raise FiguresMissing or FiguresInterrupted to say which figures were not drawn.
DrawRun = Callable[[Path, Config, Problem, History], None]


class FiguresMissing(Exception):
    """Some figures of a finished run could not be drawn: which, and why."""

    def __init__(self, missing: list[str], reason: str) -> None:
        super().__init__(f"figures not drawn ({', '.join(missing) or 'none missing'}): {reason}")
        self.missing, self.reason = missing, reason


class FiguresInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM, SIGHUP) while a finished run's figures were drawn."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(f"interrupted while drawing ({', '.join(missing)} not drawn)")
        self.missing = missing


@dataclass(frozen=True)
class RunResult:
    """A finished run: where it was written and what it found."""

    path: Path
    summary: dict[str, Any]
    history: History


@dataclass(frozen=True)
class Ready:
    """What a sweep worked out before the run: its data, and its path and history if batched."""

    problem: Problem
    path: PathChoice | None = None
    history: History | None = None


def run_experiment(
    config: Config,
    parent: Path,
    name: str,
    argv: list[str],
    on_progress: ProgressCallback | None = None,
    stamped: bool = True,
    ready: Ready | None = None,
    draw: DrawRun | None = None,
    on_stage: Callable[[str], None] | None = None,
    source: str = "the config",
    environment: dict[str, Any] | None = None,
) -> RunResult:
    """Train one config and write its run folder, ``parent/<UTC timestamp>-<name>``.

    With ``stamped=False`` the folder is ``parent/<name>`` (a sweep's children);
    ``ready`` hands in what a sweep already did, so nothing is read or trained
    twice. Everything that can be refused (the results folder, the data) is
    checked before the folder is created, so bad input leaves nothing behind.
    A run that fails or is interrupted still says so in its summary.json, with
    the reason (a full disk included). Once summary.json holds the results,
    nothing that happens while drawing (``draw``) changes them: a drawing that
    fails is recorded beside them (summary.json's ``figures``) and the result
    returned; one that is interrupted is recorded, and the interrupt goes on.
    ``environment`` is meta.json's description of where the run came from, when
    a sweep has already asked (git once for all its points).
    """
    started = runs.now()
    meta = _Meta(argv, started, environment)
    problem = ready.problem if ready else prepare(config, *load_data(config))
    check_run(config, len(problem.y), parent, source)  # ``source``: what error lines name
    folder = runs.create_run_dir(parent, name, started if stamped else None)
    try:
        runs.write_json(
            folder / "summary.json", {"status": "running", "process": owner.process_record()}
        )
    except OSError:
        folder.rmdir()  # nothing of the run was written: leave nothing behind
        raise
    result: RunResult | None = None
    try:
        history, path = _train(folder, config, problem, on_progress, ready)
        if on_stage is not None:
            on_stage(_writing(history))
        # What training found is written whole: a signal that arrives now waits for it.
        with owner.signals_held():
            result = _write_results(folder, config, problem, history, path)
    except KeyboardInterrupt:
        if result is not None:  # it was held until the results were written: they stand
            meta.write(folder, best_effort=True)
        else:
            _record_failure(folder, "interrupted", "interrupted", meta)
        raise
    except Exception as err:
        _record_failure(folder, "failed", describe_error(err), meta)
        raise
    try:
        if draw is not None and result.history.status != "interrupted":
            if on_stage is not None:
                on_stage("drawing")
            draw(folder, config, problem, result.history)
    except BaseException as err:
        _record_figures(folder, result.summary, err)
        meta.write(folder, best_effort=True)
        if not isinstance(err, Exception):
            raise  # Ctrl-C, SIGTERM: the command stops, the results stand
        return result
    meta.write(folder)
    return result


def _writing(history: History) -> str:
    """What is about to be written, with its size when it is large enough to wait for."""
    rows = len(history.epoch)
    columns = 4 + 2 * history.w.shape[1]
    megabytes = rows * columns * 20 / 1e6  # about 20 characters a number, as written
    if megabytes < 10:
        return "writing results"
    return f"writing ~{megabytes:,.0f} MB"  # metrics.csv, nearly all of it


def describe_error(err: BaseException) -> str:
    """One line for an error: the file and the reason for a failed write, else type and message."""
    if isinstance(err, OSError) and err.strerror:
        return f"{err.filename}: {err.strerror}" if err.filename else err.strerror
    return f"{type(err).__name__}: {err}"


def _train(
    folder: Path,
    config: Config,
    problem: Problem,
    on_progress: ProgressCallback | None,
    ready: Ready | None,
) -> tuple[History, PathChoice]:
    """Write what the run starts from (config.yaml, data.csv), then train (unless a sweep did)."""
    runs.write_text(folder / "config.yaml", dump_config(config))
    if config.data.save_csv:
        _write_data(folder / "data.csv", problem)
    path = ready.path if ready and ready.path else path_for(config, problem)
    history = ready.history if ready and ready.history else None
    if history is None:
        history = run_training(config, problem.X_train, problem.y, on_progress, path)
    return history, path


# The data.csv this process wrote last, for which data: a sweep's points on the same data
# (one Problem) get hard links to it, not the same numbers formatted and written again
# (at a million samples, 40 MB a point).
_LAST_DATA: tuple[weakref.ref[Problem], Path, tuple[int, int, int]] | None = None


def _write_data(target: Path, problem: Problem) -> None:
    """data.csv: the samples as given, or a link to the same file written for the same data."""
    global _LAST_DATA
    if _LAST_DATA is not None and _LAST_DATA[0]() is problem:
        _, source, stamp = _LAST_DATA
        with contextlib.suppress(OSError):  # gone, changed, or no links here: write it
            if _stamp(source) == stamp:
                os.link(source, target)
                return
    X, y = problem.X, problem.y
    header = [*feature_names("x", X.shape[1]), "y"]
    runs.write_text(target, runs.csv_bytes(header, [*runs.split_columns(X), y]))
    _LAST_DATA = (weakref.ref(problem), target, _stamp(target))


def _stamp(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_ino, st.st_size, st.st_mtime_ns


def _write_results(
    folder: Path, config: Config, problem: Problem, history: History, path: PathChoice
) -> RunResult:
    """metrics.csv, steps.csv and summary.json: what training found."""
    summary = summarize(config, history, problem, path)
    # The rate in force at row e (the rate of update e, as torch's get_last_lr() after e steps).
    lr = scheduled_rates(config, config.training.epochs + 1)
    runs.write_text(
        folder / "metrics.csv", metrics_csv(history, None if lr is None else lr[history.epoch])
    )
    if history.steps is not None:
        names = feature_names("w", problem.X.shape[1])
        columns = runs.split_columns(history.steps)
        columns[:2] = [c.astype(np.int64) for c in columns[:2]]
        runs.write_text(
            folder / "steps.csv",
            runs.csv_bytes(["step", "epoch", "batch_loss", *names, "b"], columns),
        )
    runs.write_json(folder / "summary.json", summary)
    return RunResult(path=folder, summary=summary, history=history)


def _record_failure(folder: Path, status: str, error: str, meta: _Meta) -> None:
    """Say how the run ended, even on a full disk (then in place of the 'running' record)."""
    runs.write_json_even_if_full(folder / "summary.json", {"status": status, "error": error})
    meta.write(folder, best_effort=True)


def _record_figures(folder: Path, summary: dict[str, Any], err: BaseException) -> None:
    """Beside the results, which figures are missing and why; the run's status is unchanged."""
    summary["figures"] = {
        "status": "failed" if isinstance(err, Exception) else "interrupted",
        "missing": getattr(err, "missing", None),
        "error": err.reason if isinstance(err, FiguresMissing) else describe_error(err),
    }
    runs.write_json_even_if_full(folder / "summary.json", summary)


@dataclass(frozen=True)
class _Meta:
    """meta.json: where the run came from (``environment``, else asked now) and when."""

    argv: list[str]
    started: datetime
    environment: dict[str, Any] | None

    def write(self, folder: Path, best_effort: bool = False) -> None:
        try:
            ended = runs.now()
            meta = self.environment or runs.describe_environment(self.argv, Path.cwd())
            meta = dict(meta, command=self.argv)
            meta.update(
                started=self.started.isoformat(),
                ended=ended.isoformat(),
                wall_time_seconds=round((ended - self.started).total_seconds(), 6),
            )
            runs.write_json(folder / "meta.json", meta)
        except OSError:
            if not best_effort:
                raise


def metrics_header(n_features: int, scheduled: bool = False) -> list[str]:
    """metrics.csv's columns; ``lr``, the rate in force, last and only with a schedule."""
    names = ["epoch", "loss", *feature_names("w", n_features), "b"]
    names += [*feature_names("grad_w", n_features), "grad_b"]
    return names + ["lr"] if scheduled else names


def metrics_csv(history: History, lr: Array | None = None) -> bytes:
    """One row per logged epoch: epoch, loss, each w, b, each gradient component, and with
    a schedule ``lr``, the rate in force at each row."""
    header = metrics_header(history.w.shape[1], lr is not None)
    columns = [
        history.epoch,
        history.loss,
        *runs.split_columns(history.w),
        history.b,
        *runs.split_columns(history.grad_w),
        history.grad_b,
        *([] if lr is None else [lr]),
    ]
    return runs.csv_bytes(header, columns)
