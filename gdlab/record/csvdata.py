"""Data from a CSV file with a header: X from one or more columns, y from one.

Every value must be a finite number; a file that cannot be trained on raises
:class:`gdlab.core.data.DataError` naming the file, the column and the line.
"""

from __future__ import annotations

import csv
import math
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from gdlab.core.data import DataError
from gdlab.core.notation import Array
from gdlab.record.budget import check_csv_size


def read_csv(path: Path, x_columns: Sequence[str], y_column: str) -> tuple[Array, Array]:
    """Read X (one column per name in ``x_columns``) and y from a CSV file with a header.

    Every value must be a finite number; there must be at least one row per
    parameter (d weights and b), and no x column may be constant. The file must
    be a regular file small enough to read (not a FIFO or a device), and each
    column named once in its header.
    """
    if path.exists() and not path.is_file():
        kind = "a folder" if path.is_dir() else "not a regular file (a FIFO or a device?)"
        raise DataError(f"{path}: is {kind}; expected a CSV file")
    if path.is_file():
        check_csv_size(path)
    wanted = [*x_columns, y_column]
    table = _read_fast(path, wanted)
    if table is None:
        table = _read_careful(path, wanted)
    n_params = len(x_columns) + 1
    if len(table) < n_params:
        raise DataError(
            f"{path}: {len(table)} rows of data, but fitting {n_params} parameters "
            f"needs at least {n_params}"
        )
    X, y = table[:, :-1], table[:, -1]
    for j, name in enumerate(x_columns):
        if np.all(X[:, j] == X[0, j]):
            raise DataError(
                f"{path}: column {name!r} is constant ({X[0, j]:g} in every row), "
                "so its weight cannot be determined"
            )
    return X, y


def _read_fast(path: Path, wanted: list[str]) -> Array | None:
    """The common case in one pass of NumPy's parser: a header, then rows of finite numbers
    in every column. None (so the careful reader runs and names the line and column) for
    anything else: quotes, blank fields, a row of another length, a non-finite value."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            header = [name.strip() for name in next(csv.reader([f.readline()]))]
            if any(header.count(name) != 1 for name in wanted):
                return None
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # e.g. "input contained no data"
                table = np.loadtxt(f, delimiter=",", comments=None, ndmin=2, dtype=np.float64)
    except Exception:  # noqa: BLE001 - whatever it is, the careful reader says it well
        return None
    if table.shape[1] != len(header) or not np.all(np.isfinite(table)):
        return None
    columns = [header.index(name) for name in wanted]
    if columns == list(range(len(header))):
        return table
    return table.take(columns, axis=1)  # C order, as the careful reader's: BLAS rounds alike


def _read_careful(path: Path, wanted: list[str]) -> Array:
    """Row by row with the csv module: slow, but it names the line and column of a bad value."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except csv.Error as err:  # e.g. a field larger than the csv module's limit
        raise DataError(f"{path}: not a CSV file gdlab can read ({err})") from None
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"{path}: cannot be read ({err})") from None
    if not rows:
        raise DataError(f"{path}: the file is empty; expected a header row of column names")
    header = [name.strip() for name in rows[0]]
    for name in wanted:
        if name not in header:
            raise DataError(f"{path}: no column {name!r}; the columns are {', '.join(header)}")
        if header.count(name) > 1:
            first, second = (i + 1 for i, h in enumerate(header) if h == name)
            raise DataError(
                f"{path}: column {name!r} appears twice in the header "
                f"(columns {first} and {second}); name each column once"
            )
    return np.array(
        [
            [_number(path, line, row, header, name) for name in wanted]
            for line, row in enumerate(rows[1:], start=2)
            if any(c.strip() for c in row)
        ]
    )


def _number(path: Path, line: int, row: list[str], header: list[str], name: str) -> float:
    if len(row) > len(header):
        raise DataError(
            f"{path}, line {line}: {len(row)} fields, but the header names {len(header)}: "
            "a value without a column"
        )
    where = f"{path}, line {line}, column {name!r}"
    index = header.index(name)
    text = row[index].strip() if index < len(row) else ""
    if not text:
        raise DataError(f"{where}: the value is missing")
    try:
        value = float(text)
    except ValueError:
        raise DataError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise DataError(f"{where}: {text!r} is not a finite number")
    return value
