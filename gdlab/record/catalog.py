"""The results folder read back: list runs and sweeps, find a run by id, and the pieces
that `runs compare` and `verify` need (differing config keys, file hashes). Reads only."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gdlab.record import owner, runs
from gdlab.record.labels import Labels, read_labels

# Every status `runs list` can show: how a run ended, one still being written, one whose
# writer died (crashed), and a folder that cannot be read.
STATUSES = (
    *("completed", "converged", "diverged", "failed", "interrupted"),
    *("running", "crashed", "unreadable"),
)


class RunRefError(ValueError):
    """A run id or path that names no run, or more than one."""


@dataclass(frozen=True)
class Entry:
    """One row of `gdlab runs list`: what a folder says about itself, read, never trusted."""

    id: str
    kind: str  # "run" or "sweep"
    path: Path
    status: str  # as recorded, "crashed" for a dead writer, "unreadable" for a damaged folder
    summary: dict[str, Any]
    config_file: Path  # read when first asked for (config): a list of runs seldom needs it
    meta: dict[str, Any]
    problem: str | None = None  # why the folder is unreadable
    labels: Labels = Labels()  # the tags and note a person gave it

    @functools.cached_property
    def config(self) -> dict[str, Any]:
        """The config (a sweep's: its base), {} where it cannot be read."""
        config = _config(self.config_file)
        return _dict(config.get("base")) if self.kind == "sweep" else config

    def row(self) -> dict[str, Any]:
        """The entry as plain values, for JSON and tables."""
        final, git = _dict(self.summary.get("final")), _dict(self.meta.get("git"))
        optimizer = {"name": self.summary.get("optimizer"), "lr": self.summary.get("lr")}
        if optimizer["name"] is None:  # summary.json before it named the optimizer, or none
            optimizer = _dict(self.config.get("optimizer"))
        return {
            "id": self.id,
            "kind": self.kind,
            "name": self.id.split("-", 1)[1] if "-" in self.id else self.id,
            "status": self.status,
            "optimizer": _plain(optimizer.get("name")),
            "lr": _plain(optimizer.get("lr")),
            "epochs": _plain(self.summary.get("epochs_run")),
            "final_loss": _plain(final.get("loss")),
            "w": _plain(final.get("w")),
            "b": _plain(final.get("b")),
            "started": _plain(self.meta.get("started")),
            "git_commit": _plain(git.get("commit")),
            "points": f"{self.summary.get('finished', '?')}/{self.summary.get('points', '?')}"
            if self.kind == "sweep"
            else None,
            "tags": list(self.labels.tags),
            "note": self.labels.note,
            "path": str(self.path),
            "problem": self.problem,
        }


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _plain(value: Any) -> Any:
    """A value fit for a table cell: numbers, short strings, lists of numbers; else None."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        return value[:200]
    if isinstance(value, list) and all(isinstance(v, (int, float, str)) for v in value):
        return value[:20]
    return None


def _read(path: Path) -> tuple[dict[str, Any], str | None]:
    """A JSON object from a file, or {} and why not."""
    if not path.is_file():
        return {}, f"no {path.name}" if not path.exists() else f"{path.name} is not a file"
    try:
        value = runs.read_json(path)
    except (OSError, ValueError, RecursionError) as err:
        return {}, f"{path.name} cannot be read ({type(err).__name__})"
    if not isinstance(value, dict):
        return {}, f"{path.name} is not a JSON object"
    return value, None


def _config(path: Path) -> dict[str, Any]:
    import yaml

    # libyaml's safe loader, where PyYAML was built with it, reads a run's config.yaml ten
    # times faster than the pure-Python one, and listing a hundred runs is mostly that.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    if not path.is_file():
        return {}
    try:
        value = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # a safe loader
    except (OSError, ValueError, yaml.YAMLError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def read_entry(folder: Path, kind: str) -> Entry:
    """What a run or sweep folder says about itself, with 'running' checked for a live process.

    Every file is untrusted: a folder whose summary.json is missing, damaged or
    not gdlab's is 'unreadable', with the reason in ``problem``.
    """
    summary, problem = _read(folder / "summary.json")
    status = summary.get("status")
    if problem is None and not isinstance(status, str):
        problem = "summary.json has no status"
    if problem is not None:
        status = "unreadable"
    else:
        status = owner.live_status(str(status), summary.get("process"))
    config = folder / ("sweep.yaml" if kind == "sweep" else "config.yaml")
    meta, _ = _read(folder / "meta.json")
    labels = read_labels(folder)
    return Entry(folder.name, kind, folder, str(status), summary, config, meta, problem, labels)


def list_entries(results_dir: Path) -> list[Entry]:
    """Every run and sweep under ``results_dir``, newest first (ids start with a UTC time)."""
    entries = []
    for kind, sub in (("run", "runs"), ("sweep", "sweeps")):
        parent = results_dir / sub
        if parent.is_dir():
            entries += [read_entry(p, kind) for p in parent.iterdir() if p.is_dir()]
    return sorted(entries, key=lambda e: e.id, reverse=True)


def resolve(results_dir: Path, ref: str, kinds: tuple[str, ...] = ("run",)) -> tuple[Path, str]:
    """A run or sweep folder, and its kind, from a path or a unique prefix of its id.

    ``kinds`` says which may be meant: "run", "sweep" or both.
    """
    path = Path(ref)
    for kind, marker in (("run", "config.yaml"), ("sweep", "sweep.yaml")):
        if kind in kinds and path.is_dir() and (path / marker).exists():
            return path, kind
    matches: list[tuple[Path, str]] = []
    for kind in kinds:  # names only: no folder's files need reading to match its id
        parent = results_dir / f"{kind}s"
        folders = sorted(parent.iterdir(), reverse=True) if parent.is_dir() else []
        matches += [(p, kind) for p in folders if p.is_dir() and p.name.startswith(ref)]
    what = " or ".join(f"{kind} id in {results_dir / (kind + 's')}" for kind in kinds)
    if len(matches) == 1:
        return matches[0]
    if not matches:
        noun = " or ".join(kinds)
        raise RunRefError(f"{ref!r}: no {noun} folder by that path, and no {what} starts with it")
    names = ", ".join(p.name for p, _ in matches[:5])
    nouns = " or ".join(f"{kind}s" for kind in kinds)
    raise RunRefError(f"{ref!r} matches {len(matches)} {nouns} ({names}); give more of the id")


def sweep_points(folder: Path) -> list[Path]:
    """The run folders of a sweep's points, in the sweep's order."""
    runs = folder / "runs"
    return sorted(p for p in runs.iterdir() if p.is_dir()) if runs.is_dir() else []


def swept_values(folder: Path) -> dict[str, dict[str, Any]]:
    """Each point's swept values ({'optimizer.lr': 0.005}), by label, as sweep.yaml lists them;
    {} when it cannot be read."""
    points = _config(folder / "sweep.yaml").get("points")
    values = {}
    for point in points if isinstance(points, list) else []:
        if isinstance(point, dict) and isinstance(point.get("label"), str):
            values[point["label"]] = {str(k): v for k, v in point.items() if k != "label"}
    return values


def flatten(config: dict[str, Any]) -> dict[str, Any]:
    """{'optimizer': {'lr': 0.1}} -> {'optimizer.lr': 0.1}."""
    return {
        f"{section}.{key}": value
        for section, values in config.items()
        if isinstance(values, dict)
        for key, value in values.items()
    }


def differing_keys(configs: Iterable[dict[str, Any]]) -> dict[str, list[Any]]:
    """The dotted config keys whose values are not the same in every config."""
    flat = [flatten(c) for c in configs]
    keys = sorted({k for f in flat for k in f})
    return {k: [f.get(k) for f in flat] for k in keys if len({repr(f.get(k)) for f in flat}) > 1}


def file_hashes(folder: Path, skip: Iterable[str] = ("meta.json", "labels.json")) -> dict[str, str]:
    """sha256 of every regular file in a run folder (not hidden ones, not ``skip``).

    Read a block at a time, so a file of any size costs no more memory than that.
    """
    skipped = set(skip)
    hashes = {}
    for p in sorted(folder.iterdir()):
        if p.is_file() and not p.name.startswith(".") and p.name not in skipped:
            digest = hashlib.sha256()
            with p.open("rb") as f:
                while block := f.read(1 << 20):
                    digest.update(block)
            hashes[p.name] = digest.hexdigest()
    return hashes
