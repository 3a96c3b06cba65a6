"""A sweep's histories, thinned: the rows of each point's history a sweep keeps for its
figures (a few hundred, never the whole), from a finished run in memory or read back from
its folder on --resume.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from gdlab.core.train import History
from gdlab.record.grid import Point, PointResult
from gdlab.record.readback import load_result
from gdlab.record.runner import RunResult

THIN_ROWS = 500  # about how many rows of each history a sweep keeps for its figures
HEAD_ROWS = 50  # kept whole: where the loss falls fastest


def light(run: RunResult, point: Point) -> RunResult:
    """The run with its history thinned to what a sweep's figures draw."""
    return replace(run, history=thin(run.history, _most_rows(point)))


def read_light(folder: Path, point: Point) -> RunResult:
    """A point's finished run read back from its folder as :func:`light` would thin it,
    parsing only the rows it keeps (a resumed sweep of thousands of points reads each
    point's metrics.csv once, not all of it into numbers)."""
    most = _most_rows(point)
    return load_result(folder, lambda count: kept_rows(count, most))


def read_point(folder: Path, point: Point) -> PointResult | None:
    """The point's run as :func:`read_light` reads it back from ``folder``; None where the
    folder holds no run that can be read."""
    try:
        return PointResult(point, run=read_light(folder, point), folder=folder)
    except (OSError, ValueError, KeyError):
        return None


def _most_rows(point: Point) -> int:
    """The rows a point's history can have: every log_every-th epoch, and the last."""
    c = point.config.training
    return c.epochs // c.log_every + 1 + (c.epochs % c.log_every > 0)


def kept_rows(count: int, rows: int) -> NDArray[np.bool_]:
    """Which of a history's ``count`` rows :func:`thin` keeps: the first HEAD_ROWS, every
    k-th after, and the last of ``rows`` (the most it can have). Runs of one config keep
    the same rows, so their curves still line up row by row."""
    stride = max(1, rows // THIN_ROWS)
    index = np.arange(count)
    keep: NDArray[np.bool_] = (index < HEAD_ROWS) | (index % stride == 0) | (index == rows - 1)
    return keep


def thin(history: History, rows: int) -> History:
    """The rows of ``history`` that :func:`kept_rows` keeps."""
    keep = kept_rows(len(history.epoch), rows)
    if keep.all():
        return history
    return replace(
        history,
        epoch=history.epoch[keep],
        loss=history.loss[keep],
        w=history.w[keep],
        b=history.b[keep],
        grad_w=history.grad_w[keep],
        grad_b=history.grad_b[keep],
        steps=None,
    )
