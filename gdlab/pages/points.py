"""What the pages show of a run, and of each point of a sweep, read from its folder once.

The dashboard is rewritten after every run, and a sweep of a thousand points is a
thousand run folders: read afresh each time, every later `gdlab train` would pay for
every point of every old sweep. So what the pages show of each point (its row, its
outcome, its curves sampled and written as text) is kept in the sweep folder's hidden
``.pages-cache.json``, beside the stat of each file it was read from (inode, size,
modified and changed times, as git's index keeps them) and of the folder itself (a
figure or an explore.html added or removed). A point is read again when any of them
differs. One that says it is running (whether its writer lives is in no file), or that
changed within SETTLE_NS of being read (a file rewritten within one tick of the file
system's clock keeps its stat), is cached with no stat: read again every time, but
known, so that its sweep's page is redrawn only when what it says changed. A cache that
is missing, damaged or of another version counts as empty, and one that cannot be
written is not: the pages never depend on it.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gdlab.pages import curves
from gdlab.record import runs
from gdlab.record.catalog import Entry, read_entry, sweep_points

CACHE = ".pages-cache.json"
VERSION = 1  # of the cache's layout and of what it holds: another version is read as empty
# What a point's facts are read from: its folder ("": which figures and explore.html it
# holds) and the files read.
STAMPED = ("", "summary.json", "config.yaml", "meta.json", "labels.json", "metrics.csv")
SETTLE_NS = 2 * 10**9  # FAT's clock ticks every 2 s; ext4's, xfs's and tmpfs's every few ms
Stamp = list[list[int] | None]  # [inode, size, mtime, ctime] of each of STAMPED, or None


@dataclass(frozen=True)
class Facts:
    """What the pages show of a run: its row in `gdlab runs list`, its outcome, and its
    curves as the pages embed them (text, :func:`gdlab.pages.curves.encode`)."""

    name: str
    status: str
    problem: str | None
    optimizer: Any
    lr: Any
    epochs: Any
    final_loss: Any
    started: Any
    tags: list[str]
    note: str | None
    first_inf_epoch: int | None
    first_nan_epoch: int | None
    optimum: list[float] | None  # the least-squares (w, b) of a one-feature run
    explore: bool  # whether it has an explore.html
    figures: list[str]
    curve: list[str] | None  # [epochs, loss]
    path: list[str] | None  # [w, b], of a one-feature run when asked for


@dataclass(frozen=True)
class Points:
    """A sweep, the facts of its points by folder name, in its order; how many were read from
    their folders rather than the cache, and how many of those differ from it."""

    sweep: Entry
    facts: dict[str, Facts]
    reread: int
    changed: int  # points whose facts are not the cached ones (new, changed or gone)


def run_facts(entry: Entry, rows: int = curves.POINTS, path: bool = False) -> Facts:
    """What the pages show of a run, its loss curve sampled to about ``rows`` rows and, with
    ``path``, its path in (w, b) when it has one feature."""
    row, summary = entry.row(), entry.summary
    one_feature = summary.get("n_features") == 1
    columns = ("loss", "w", "b") if path and one_feature else ("loss",)
    sampled = curves.sample(entry.path, columns, rows)
    encoded = [curves.encode(column) for column in sampled] if sampled else None
    return Facts(
        **{k: row[k] for k in ("name", "optimizer", "lr", "epochs", "final_loss", "started")},
        status=entry.status,
        problem=entry.problem,
        tags=row["tags"],
        note=row["note"],
        first_inf_epoch=_whole(summary.get("first_inf_epoch")),
        first_nan_epoch=_whole(summary.get("first_nan_epoch")),
        optimum=_optimum(summary) if one_feature else None,
        explore=(entry.path / "explore.html").is_file(),
        figures=curves.figures(entry.path),
        curve=encoded[:2] if encoded else None,
        path=encoded[2:4] if encoded and len(encoded) == 4 else None,
    )


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _optimum(summary: dict[str, Any]) -> list[float] | None:
    """The least-squares (w, b) of a one-feature run, if its summary.json has them."""
    ls: Any = summary.get("least_squares")
    try:
        w, b = float(ls["w"][0]), float(ls["b"])
    except (TypeError, KeyError, IndexError, ValueError):
        return None
    return [w, b] if math.isfinite(w) and math.isfinite(b) else None


def read_points(sweep: Entry, fresh: bool = False) -> Points:
    """The facts of every point of ``sweep``: from its cache where a point is unchanged (never
    with ``fresh``), else from its folder. The cache is rewritten when it changed."""
    folders = sweep_points(sweep.path)
    planned = sweep.summary.get("points")
    rows = curves.rows_per_run(max(planned if isinstance(planned, int) else 0, len(folders)))
    cached = {} if fresh else _load(sweep.path / CACHE, rows)
    now = time.time_ns()
    facts, kept, reread = {}, {}, 0
    changed = len(cached.keys() - {folder.name for folder in folders})  # folders gone
    for folder in folders:
        stamp, hit = _stamp(folder), cached.get(folder.name)
        if hit is not None and hit[0] == stamp:
            facts[folder.name] = hit[1]
            kept[folder.name] = hit
            continue
        read = facts[folder.name] = run_facts(read_entry(folder, "run"), rows, path=True)
        reread += 1
        changed += hit is None or not _same(hit[1], read)
        kept[folder.name] = (stamp if _settled(stamp, read, now) else None, read)
    if kept.keys() != cached.keys() or any(kept[name] is not cached[name] for name in kept):
        _save(sweep.path / CACHE, rows, kept)
    return Points(sweep, facts, reread, changed)


def _stamp(folder: Path) -> Stamp:
    """The stat of each of STAMPED in a point's folder."""
    stamp: Stamp = []
    for name in STAMPED:
        try:
            s = os.stat(os.path.join(folder, name))
        except OSError:
            stamp.append(None)
            continue
        stamp.append([s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns])
    return stamp


def _settled(stamp: Stamp, facts: Facts, now: int) -> bool:
    """Whether a point may be cached: not running, and unchanged for SETTLE_NS before ``now``."""
    if facts.status in ("running", "crashed"):  # crashed: running, by a process now gone
        return False
    newest = max((max(s[2], s[3]) for s in stamp if s is not None), default=0)
    return newest < now - SETTLE_NS


def _same(a: Facts, b: Facts) -> bool:
    """Whether two runs' facts say the same (a nan loss is not == itself, but is as text)."""
    return a == b or json.dumps(vars(a)) == json.dumps(vars(b))


def _save(path: Path, rows: int, kept: dict[str, tuple[Stamp | None, Facts]]) -> None:
    """Write the cache; one that cannot be written is not (the points are read afresh)."""
    points = {name: {"stamp": s, "facts": vars(f)} for name, (s, f) in kept.items()}
    with contextlib.suppress(OSError):
        runs.write_text(path, json.dumps({"version": VERSION, "rows": rows, "points": points}))


def _load(path: Path, rows: int) -> dict[str, tuple[Stamp | None, Facts]]:
    """The cached points by folder name; none unless the cache is whole, of this VERSION and
    sampled to ``rows`` rows a run."""
    try:
        cache = json.loads(path.read_bytes())
        if cache["version"] != VERSION or cache["rows"] != rows:
            return {}
        return {
            name: (hit["stamp"], Facts(**hit["facts"])) for name, hit in cache["points"].items()
        }
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return {}  # not a cache gdlab wrote: read every point afresh
