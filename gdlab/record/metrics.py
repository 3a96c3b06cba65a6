"""A run's metrics.csv read cheaply: a couple of hundred rows, never the whole file.

A dashboard of hundreds of runs cannot parse every metrics.csv in full (a default
run's is a megabyte, 10,001 rows). ``sample_metrics`` reads the header, the first
rows (where the loss falls fastest), one whole line after each of ~n byte offsets
spread evenly over the rest, and the last line; since the lines are about equally
long, the rows it keeps are about evenly spaced in epochs. A file small enough is
read whole and thinned the same way. Rows that do not parse (a damaged file, a
last line cut short) are left out, never guessed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

HEAD_ROWS = 20  # read in full: the first epochs are where a curve bends most
WHOLE_FILE_BYTES = 64 * 1024  # smaller files are read whole: one read beats many seeks


@dataclass(frozen=True)
class Sample:
    """Some rows of a metrics.csv, in order of epoch, and its column names."""

    columns: list[str]
    rows: list[list[float]]

    def column(self, name: str) -> list[float]:
        """One column's values down the sampled rows."""
        i = self.columns.index(name)
        return [row[i] for row in self.rows]


def sample_metrics(path: Path, n: int = 200, columns: tuple[str, ...] = ("loss",)) -> Sample:
    """About ``n`` rows of ``path`` (a metrics.csv): the first, the last and some between,
    with the epoch and these ``columns`` (the fewer, the quicker).

    Raises OSError when the file cannot be read and ValueError when it is not a
    metrics.csv, lacks one of ``columns``, or has no row that parses.
    """
    n = max(n, HEAD_ROWS + 2)
    if not path.is_file():  # a FIFO or a device would be read forever
        raise ValueError(f"{path}: not a regular file")
    with path.open("rb", buffering=0) as f:  # a few small reads: no buffer
        size = os.fstat(f.fileno()).st_size
        header = f.readline().decode("ascii", "replace").strip().split(",")
        if header[0] != "epoch" or not set(columns) <= set(header):
            missing = ", ".join(c for c in ("epoch", *columns) if c not in header)
            raise ValueError(f"{path}: not a metrics.csv with {missing}")
        if size - f.tell() <= WHOLE_FILE_BYTES:
            lines = _thin(_whole_lines(f.read()), n)
        else:
            lines = _spread_lines(f, size, n)
    names = ["epoch", *columns]
    rows = _parse(lines, len(header), [header.index(name) for name in names])
    if not rows:
        raise ValueError(f"{path}: no row of metrics.csv could be read")
    return Sample(names, rows)


def _whole_lines(data: bytes) -> list[bytes]:
    """The complete lines of ``data``: a last line with no newline was cut short."""
    lines = data.split(b"\n")
    return lines[:-1]  # after the final newline: b"" for a whole file, a fragment otherwise


def _thin(lines: list[bytes], n: int) -> list[bytes]:
    """The first HEAD_ROWS lines, then lines evenly spaced, then the last: about n in all."""
    if len(lines) <= n:
        return lines
    rest = len(lines) - HEAD_ROWS
    picks = n - HEAD_ROWS
    spread = [lines[HEAD_ROWS + (rest - 1) * k // (picks - 1)] for k in range(picks)]
    return lines[:HEAD_ROWS] + spread


def _spread_lines(f: BinaryIO, size: int, n: int) -> list[bytes]:
    """Lines of an open file: the first HEAD_ROWS, one after each of the offsets spread
    over the rest, and the last complete one."""
    first = f.tell()
    head = _whole_lines(f.read(WHOLE_FILE_BYTES // 4))[:HEAD_ROWS]
    start = first + sum(len(line) + 1 for line in head)
    reach = 2 * max((len(line) for line in head), default=WHOLE_FILE_BYTES) + 64
    lines = head
    picks = n - HEAD_ROWS - 1
    for k in range(1, picks + 1):
        f.seek(start + (size - start) * k // (picks + 1) - 1)
        parts = f.read(reach).split(b"\n")
        if len(parts) > 2:  # the end of the line the offset fell in, then a whole line
            lines.append(parts[1])
    f.seek(max(start, size - reach))
    return lines + _whole_lines(f.read())[-1:]


def _parse(lines: list[bytes], width: int, keep: list[int]) -> list[list[float]]:
    """The ``keep`` cells of rows of ``width`` numbers, each epoch later than the last kept."""
    rows: list[list[float]] = []
    for line in lines:
        cells = line.split(b",")
        if len(cells) != width:
            continue
        try:
            row = [float(cells[i]) for i in keep]
        except ValueError:
            continue
        if not rows or row[0] > rows[-1][0]:
            rows.append(row)
    return rows
