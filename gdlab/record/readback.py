"""A finished run read back from its folder: summary.json and metrics.csv, whole or only the
rows a sweep keeps (gdlab/record/thinned.py). Every file is checked, not trusted: a folder
whose files are not a finished run's raises ValueError.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from gdlab.core.notation import Array
from gdlab.core.train import History
from gdlab.record import runs
from gdlab.record.runner import RunResult, metrics_header


def load_result(folder: Path, rows: Callable[[int], NDArray[np.bool_]] | None = None) -> RunResult:
    """A finished run read back from its folder: summary.json and metrics.csv.

    ``rows`` picks, from how many rows metrics.csv has, the rows to keep (a sweep's
    thinned history): only those are parsed. Every row is still checked for its shape
    (the header's fields, none empty, each ended by a newline) and for holding only
    what numbers are written with; a malformed number ("1.5.5") in a row not kept
    goes unseen, where reading the whole file would refuse it, and a file gdlab did
    not write (CRLF line ends, spaces) is refused, where the whole read takes it.
    Raises ValueError (or OSError) for a folder whose files are not a finished run's.
    """
    for name in ("summary.json", "metrics.csv"):
        if not (folder / name).is_file():  # a FIFO or a device would be read forever
            raise ValueError(f"{folder / name}: not a regular file")
    summary = runs.read_json(folder / "summary.json")
    header, table = _metrics_table(folder / "metrics.csv", rows)
    # epoch, loss, w_1..w_d, b, grad_w_1..grad_w_d, grad_b, and lr with a schedule
    scheduled = header[-1:] == ["lr"]
    d = (len(header) - 4 - scheduled) // 2
    if not isinstance(summary, dict) or d < 1 or header != metrics_header(d, scheduled):
        raise ValueError(f"{folder}: not the summary.json and metrics.csv of a finished run")
    if table is None or not len(table) or table.shape[1] != len(header):
        raise ValueError(f"{folder}: not the summary.json and metrics.csv of a finished run")
    history = History(
        epoch=table[:, 0].astype(np.int64),
        loss=table[:, 1],
        w=table[:, 2 : 2 + d],
        b=table[:, 2 + d],
        grad_w=table[:, 3 + d : 3 + 2 * d],
        grad_b=table[:, 3 + 2 * d],
        status=summary["status"],
        epochs_run=summary["epochs_run"],
        first_inf_epoch=summary["first_inf_epoch"],
        first_nan_epoch=summary["first_nan_epoch"],
    )
    return RunResult(path=folder, summary=summary, history=history)


CHECK_BYTES = 1 << 24  # of metrics.csv checked at a time by the thinned read
# What metrics.csv's rows are written with: digits, signs, points, exponents, inf and nan.
_NUMBER_BYTES = b"0123456789+-.eEinfa,\n"


def _metrics_table(
    path: Path, rows: Callable[[int], NDArray[np.bool_]] | None
) -> tuple[list[str], Array | None]:
    """metrics.csv's header and its rows (those ``rows`` keeps); None for rows that are not
    a table of the header's width."""
    first, _, body = path.read_bytes().partition(b"\n")
    header = first.decode("ascii", "replace").strip().split(",")
    with warnings.catch_warnings():  # an empty table is refused by the caller, in one line
        warnings.simplefilter("ignore", UserWarning)
        if rows is None:  # every row, each parsed
            return header, np.loadtxt(io.StringIO(body.decode()), delimiter=",", ndmin=2)
        ends = _row_ends(body, len(header))
        if ends is None:
            return header, None
        starts = np.concatenate([[0], ends[:-1] + 1])
        keep = rows(len(ends))
        kept = [body[a:b].decode("ascii") for a, b in zip(starts[keep], ends[keep], strict=True)]
        return header, np.loadtxt(kept, delimiter=",", ndmin=2)


def _row_ends(body: bytes, fields: int) -> NDArray[np.intp] | None:
    """Where each row of metrics.csv's ``body`` ends (its newline), every row checked
    without parsing a number: only what numbers are written with, ``fields`` fields,
    none empty, each ended by its newline (the last too: not cut short). None if it is
    not such a table. Checked CHECK_BYTES or so at a time, so the checks' arrays stay
    small beside the text, however long the history."""
    if not body.endswith(b"\n") or body.translate(None, _NUMBER_BYTES):
        return None
    ends, start = [], 0
    while start < len(body):
        stop = body.rfind(b"\n", start, start + CHECK_BYTES) + 1
        if stop <= start:  # one row longer than CHECK_BYTES
            stop = body.index(b"\n", start) + 1
        rows = _rows_checked(memoryview(body)[start:stop], fields)
        if rows is None:
            return None
        ends.append(rows + start)
        start = stop
    return np.concatenate(ends)


def _rows_checked(rows: memoryview, fields: int) -> NDArray[np.intp] | None:
    """_row_ends of whole rows (``rows`` ends with a newline)."""
    text = np.frombuffer(rows, dtype=np.uint8)
    at = np.flatnonzero((text == ord(",")) | (text == ord("\n")))  # each field's end
    if len(at) % fields or at[0] == 0 or (np.diff(at) == 1).any():
        return None
    by_row = text[at].reshape(-1, fields)
    if (by_row[:, :-1] != ord(",")).any() or (by_row[:, -1] != ord("\n")).any():
        return None
    return at[fields - 1 :: fields]
