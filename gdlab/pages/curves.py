"""What the dashboard and the sweep pages embed of a run: its curves, thinned and rounded,
and links to its files relative to the page that shows them."""

from __future__ import annotations

import math
from pathlib import Path
from urllib.parse import quote

from gdlab.record.metrics import sample_metrics

POINTS = 200  # rows of metrics.csv kept per curve: enough for a line, small for a page
DIGITS = 4  # significant digits kept: what a chart can show, a third of the bytes


def short(x: float) -> float:
    """``x`` to DIGITS significant digits (inf and nan as they are); epochs stay whole."""
    if not math.isfinite(x) or x == 0:
        return x
    if x.is_integer() and abs(x) < 1e15:
        return int(x)
    return float(f"{x:.{DIGITS}g}")


def curves(folder: Path, columns: tuple[str, ...] = ("loss",)) -> list[list[float]] | None:
    """[epochs, column, ...] sampled from the run's metrics.csv, rounded; None if unreadable."""
    try:
        sample = sample_metrics(folder / "metrics.csv", POINTS, columns)
    except (OSError, ValueError):
        return None
    return [[short(v) for v in sample.column(name)] for name in sample.columns]


def href(target: Path, page_folder: Path) -> str:
    """A link from a page in ``page_folder`` to ``target`` below it, as a URL path."""
    return quote(target.relative_to(page_folder).as_posix())


def figures(folder: Path) -> list[str]:
    """The names of the PNG figures in a folder, in order."""
    try:
        return sorted(p.name for p in folder.iterdir() if p.suffix == ".png" and p.is_file())
    except OSError:
        return []
