"""The run folder: create it, write into it atomically, describe where a run came from.

Layout of one run (the README's "The run folder" says what each file holds)::

    results/runs/<UTC timestamp>-<name>/
        config.yaml  summary.json  meta.json  metrics.csv
        data.csv      (unless data.save_csv is false)
        steps.csv     (with training.log_steps)
        fit.png  loss.png  params.png          (unless output.plots is false)
        contour.png  evolution.png             (one feature, with output.plots)
        evolution.gif                          (one feature, with output.animate)

A sweep's points are run folders too, under results/sweeps/<id>/runs/<label>/.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import os
import platform
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from numpy.typing import NDArray

from gdlab.version import __version__

_UMASK = os.umask(0)  # read the process umask (the only way is to set it) ...
os.umask(_UMASK)  # ... and put it back at once

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # the whole name (fullmatch)


class RunDirError(OSError):
    """The results folder cannot be used; the message says which and why."""


def check_name(name: str) -> str:
    """Return ``name`` if it is safe as part of a folder name, else raise ValueError."""
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(
            f"--name {name!r}: expected letters, digits, '.', '_' or '-' "
            "(at most 64, starting with a letter or digit)"
        )
    return name


def ensure_writable(folder: Path) -> None:
    """Create ``folder`` if needed and prove a file can be written there."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".gdlab-probe-"):
            pass
    except OSError as err:
        reason = err.strerror or str(err)
        raise RunDirError(f"results folder {folder}: cannot write there ({reason})") from None


def timestamp(moment: datetime) -> str:
    """A UTC moment as it appears in folder names: 20261126T040130Z."""
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


_PROBED: set[Path] = set()  # folders of sweep points this process has proved writable


def create_run_dir(parent: Path, name: str, started: datetime | None) -> Path:
    """Make ``parent/<timestamp>-<name>`` (``-2``, ``-3``... if taken) and return it.

    With ``started`` None the folder is ``parent/<name>`` (``-2``... if taken).

    ``mkdir`` either creates the folder or fails, so two processes starting in
    the same second still get a folder each. A ``parent`` that is not a
    writable folder raises RunDirError.
    """
    where = parent.absolute()
    if started is not None or where not in _PROBED or not where.is_dir():
        ensure_writable(parent)  # a sweep's runs/ is proved once
        _PROBED.add(where)
    stem = name if started is None else f"{timestamp(started)}-{name}"
    for attempt in range(1, 10_000):
        path = parent / (stem if attempt == 1 else f"{stem}-{attempt}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise RunDirError(f"{parent}: too many runs named {stem}")


@contextmanager
def atomic_target(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it into place only on success.

    A crash mid-write leaves the old file (or none), never half a file.
    """
    # Hidden, and ending like the target, so writers that go by the extension still work.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give it a normal file's mode
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        # Name the file the user knows, not the hidden temporary one.
        raise OSError(err.errno, err.strerror or str(err), str(path)) from err
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str | bytes) -> None:
    """Write ``text`` (str, as UTF-8, or bytes as they are) to ``path`` atomically."""
    with atomic_target(path) as tmp:
        if isinstance(text, bytes):
            tmp.write_bytes(text)
        else:
            tmp.write_text(text, encoding="utf-8")


def write_json(path: Path, obj: Any) -> None:
    """Write JSON atomically; inf, -inf and nan become the strings "inf", "-inf", "nan"."""
    write_text(path, json_text(obj))


def json_text(obj: Any) -> str:
    """JSON as gdlab writes it: indented two spaces, in UTF-8, non-finite numbers as strings.

    orjson, not the json module: with indentation the json module encodes in Python, a
    couple of milliseconds a summary, which a sweep of thousands of points feels.
    """
    options = orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
    return orjson.dumps(_finite_json(obj), option=options).decode("utf-8") + "\n"


def write_json_even_if_full(path: Path, obj: Any) -> None:
    """Write JSON atomically or, when that fails (a full disk), over the file in place.

    Overwriting bytes a file already has needs no new room on the disk, and the
    padding spaces keep the result valid JSON when the new text is shorter. If
    even that fails, the error goes on.
    """
    text = json_text(obj)
    try:
        write_text(path, text)
    except OSError:
        data = text.encode("utf-8")
        with open(path, "r+b") as f:
            old = len(f.read())
            f.seek(0)
            f.write(data + b" " * max(0, old - len(data)))


def _finite_json(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return repr(obj)  # 'inf', '-inf' or 'nan'
    if isinstance(obj, dict):
        return {k: _finite_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        if _all_finite_numbers(obj):  # a Hessian's rows at d = 100: 10,000 numbers a summary
            return obj
        return [_finite_json(v) for v in obj]
    return obj


def _all_finite_numbers(values: list[Any] | tuple[Any, ...]) -> bool:
    """True when every value is a finite number, found in compiled code: a sum is finite
    only if no term is inf or nan (a finite sum too large for float64 is inf: a false
    False, which costs only the slow way); anything but a number cannot be summed."""
    try:
        return math.isfinite(sum(values, 0.0))
    except (TypeError, OverflowError):
        return False


def read_json(path: Path) -> Any:
    """Read a JSON file written by :func:`write_json` (orjson: a summary at d = 100 holds
    20,000 numbers, and a dashboard reads every run's)."""
    return orjson.loads(path.read_bytes())


def csv_bytes(header: list[str], columns: list[NDArray[Any]]) -> bytes:
    """CSV with one column per array; every float in its shortest exact form.

    Formatted column by column in compiled code (orjson's float printer), not
    number by number in Python: a 10,001-epoch metrics.csv takes a millisecond
    or two instead of ~25 ms, which a sweep of a thousand points feels. The
    digits are those of ``repr`` (the shortest that read back to the same
    float); only the exponent is spelt without padding (``1e-5``, not
    ``1e-05``). inf, -inf and nan, which JSON cannot hold, are written as
    ``inf``, ``-inf`` and ``nan``, as NumPy and Python read them.
    """
    head = (",".join(header) + "\n").encode("utf-8")
    if not columns or not len(columns[0]):
        return head
    # Neighbouring columns of one kind (int, float) are printed as one 2-D block.
    blocks = [
        np.column_stack(list(group))
        for _, group in itertools.groupby(columns, key=lambda c: c.dtype.kind)
    ]
    chunks = [head]
    for start in range(0, len(blocks[0]), CSV_CHUNK_ROWS):
        pieces = [_block_rows(block[start : start + CSV_CHUNK_ROWS]) for block in blocks]
        # One join over the pieces laid side by side: piece, comma, piece, ..., newline.
        parts: list[bytes] = [b","] * (2 * len(pieces) * len(pieces[0]))
        for k, piece in enumerate(pieces):
            parts[2 * k :: 2 * len(pieces)] = piece
        parts[2 * len(pieces) - 1 :: 2 * len(pieces)] = [b"\n"] * len(pieces[0])
        chunks.append(b"".join(parts))
    return b"".join(chunks)


# Rows printed at a time: their pieces, small objects, then fit in memory Python keeps and
# reuses. All 10,001 rows of a metrics.csv at once took ~260 fresh pages from the system a
# file (a page fault each, ~17 us on a virtual machine); 2,048 at a time, ~4, and 10% less time.
CSV_CHUNK_ROWS = 2048


def csv_text(header: list[str], columns: list[NDArray[Any]]) -> str:
    """:func:`csv_bytes` as text."""
    return csv_bytes(header, columns).decode("utf-8")


def _block_rows(block: NDArray[Any]) -> list[bytes]:
    """Each row of a 2-D block of numbers as comma-separated text."""
    block = np.ascontiguousarray(block)
    finite = block.dtype.kind != "f" or bool(np.isfinite(block).all())
    sentinels = finite or not np.isin(_STAND_INS, block).any()
    if not finite and sentinels:  # JSON has no inf or nan: written as stand-ins, renamed
        block = np.where(np.isnan(block), _STAND_INS[2], block)  # sign of a nan: not kept
        block = np.where(np.isinf(block), np.copysign(_STAND_INS[0], block), block)
    text = orjson.dumps(block, option=orjson.OPT_SERIALIZE_NUMPY)
    if not finite and sentinels:
        for stand_in, name in zip(_STAND_IN_TEXT, (b"-inf", b"inf", b"nan"), strict=True):
            text = text.replace(stand_in, name)
    rows = text[2:-2].split(b"],[")
    if not sentinels:  # a stand-in is a value here: the rows with null, one number at a time
        for i in np.flatnonzero(~np.isfinite(block).all(axis=1)).tolist():
            rows[i] = ",".join(map(repr, block[i].tolist())).encode("ascii")
    return rows


# Finite floats that stand in for inf and nan while orjson prints, then are renamed in the
# text (-inf first: its text holds inf's). Used only when no number of the block is one of
# them or their negatives (whose text holds theirs).
_MAX = float(np.finfo(np.float64).max)
_STAND_INS = np.array([_MAX, -_MAX, np.nextafter(_MAX, 0.0), -np.nextafter(_MAX, 0.0)])
_STAND_IN_TEXT = (
    b"-1.7976931348623157e+308",
    b"1.7976931348623157e+308",
    b"1.7976931348623155e+308",
)


def rows_csv(rows: list[dict[str, Any]], header: list[str] | None = None) -> str:
    """CSV of dict rows; columns in order of first appearance (or ``header``), missing cells
    and None empty."""
    header = columns_of(rows) if header is None else header
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(_cell_text(row.get(key)) for key in header)
    return buffer.getvalue()


def columns_of(rows: list[dict[str, Any]]) -> list[str]:
    """The keys of dict rows, in order of first appearance."""
    header: list[str] = []
    for row in rows:
        header.extend(key for key in row if key not in header)
    return header


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


def split_columns(matrix: NDArray[Any]) -> list[NDArray[Any]]:
    """The columns of a 2-D array as a list of 1-D arrays."""
    return [matrix[:, j] for j in range(matrix.shape[1])]


def describe_environment(argv: list[str], cwd: Path) -> dict[str, Any]:
    """Versions, platform, command line and git state: what meta.json records."""
    return {
        "gdlab_version": __version__,
        "python_version": platform.python_version(),
        "numpy_version": np.__version__,
        "platform": platform.platform(),
        "command": argv,
        "cwd": str(cwd),
        "git": git_state(cwd),
    }


def git_state(cwd: Path) -> dict[str, Any] | None:
    """The commit and dirty flag of the git work tree at ``cwd``, or None outside one."""
    try:
        commit = _git(cwd, "rev-parse", "HEAD")
        dirty = _git(cwd, "status", "--porcelain", "--untracked-files=no") != ""
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": dirty}


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=True
    )
    return done.stdout.strip()


def now() -> datetime:
    """The current moment in UTC."""
    return datetime.now(timezone.utc)


def python_argv() -> list[str]:
    """The command line as typed, with the program shortened to its name."""
    return [Path(sys.argv[0]).name, *sys.argv[1:]]
