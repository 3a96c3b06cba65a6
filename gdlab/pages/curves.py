"""What the dashboard and the sweep pages embed of a run: its curves, thinned, rounded and
written as text, and links to its files relative to the page that shows them.

A curve is embedded as one string per column, "0,1,2,80" and "343.2,160.1,inf", which
the page splits into numbers (``gdc.numbers``). Lists of numbers would say the same,
but html.to_json walks every number of them for inf and nan: for 100 runs that took
0.07 s of a rewrite that must stay well under 0.2 s; the strings take 0.016 s.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from gdlab.record.metrics import sample_metrics

POINTS = 200  # rows of metrics.csv kept per curve: enough for a line, small for a page
# A sweep's points share ROWS rows (a page of a thousand points stays a few megabytes and
# reads a thousand folders in well under a second), but each keeps at least FEWEST.
ROWS, FEWEST = 50_000, 40
DIGITS = 4  # significant digits kept: what a chart can show, a third of the bytes
_WORDS = {"inf": "Infinity", "-inf": "-Infinity", "nan": "NaN"}  # as JavaScript's Number() reads


def rows_per_run(runs: int) -> int:
    """How many rows of metrics.csv each of a sweep's ``runs`` points keeps."""
    return max(FEWEST, min(POINTS, ROWS // max(runs, 1)))


def sample(
    folder: Path, columns: tuple[str, ...] = ("loss",), rows: int = POINTS
) -> list[list[float]] | None:
    """[epochs, column, ...]: about ``rows`` rows of the run's metrics.csv; None if unreadable."""
    try:
        sampled = sample_metrics(folder / "metrics.csv", rows, columns)
    except (OSError, ValueError):
        return None
    return [sampled.column(name) for name in sampled.columns]


def encode(values: list[float]) -> str:
    """Numbers as the page embeds them: whole ones whole, the rest to DIGITS significant digits."""
    return ",".join(_text(v) for v in values)


def decode(text: str) -> list[float]:
    """The numbers of a column :func:`encode` wrote (Python's float reads "Infinity", "NaN")."""
    return [float(v) for v in text.split(",")] if text else []


def _text(x: float) -> str:
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    text = f"{x:.{DIGITS}g}"
    return _WORDS.get(text, text)


def href(target: Path, page_folder: Path) -> str:
    """A link from a page in ``page_folder`` to ``target`` below it, as a URL path."""
    return quote(target.relative_to(page_folder).as_posix())


def figures(folder: Path) -> list[str]:
    """The names of the PNG figures in a folder, in order."""
    try:
        return sorted(p.name for p in folder.iterdir() if p.suffix == ".png" and p.is_file())
    except OSError:
        return []
