"""The results folder read back: list runs and sweeps, find a run by id, and the pieces
that `runs compare` and `verify` need (differing config keys, file hashes). Reads only."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gdlab.record import runs


class RunRefError(ValueError):
    """A run id or path that names no run, or more than one."""


@dataclass(frozen=True)
class Entry:
    """One row of `gdlab runs list`."""

    id: str
    kind: str  # "run" or "sweep"
    path: Path
    status: str
    summary: dict[str, Any]
    config: dict[str, Any]
    meta: dict[str, Any]

    def row(self) -> dict[str, Any]:
        """The entry as plain values, for JSON and tables."""
        final = self.summary.get("final") or {}
        optimizer = self.config.get("optimizer", {})
        git = self.meta.get("git") or {}
        return {
            "id": self.id,
            "kind": self.kind,
            "name": self.id.split("-", 1)[1] if "-" in self.id else self.id,
            "status": self.status,
            "optimizer": optimizer.get("name"),
            "lr": optimizer.get("lr"),
            "epochs": self.summary.get("epochs_run"),
            "final_loss": final.get("loss"),
            "w": final.get("w"),
            "b": final.get("b"),
            "started": self.meta.get("started"),
            "git_commit": git.get("commit"),
            "points": f"{self.summary.get('finished', '?')}/{self.summary.get('points', '?')}"
            if self.kind == "sweep"
            else None,
            "path": str(self.path),
        }


def _read(path: Path) -> dict[str, Any]:
    try:
        value = runs.read_json(path)
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _config(path: Path) -> dict[str, Any]:
    import yaml

    try:
        value = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return value if isinstance(value, dict) else {}


def read_entry(folder: Path, kind: str) -> Entry:
    """What a run or sweep folder says about itself, with 'running' checked for a live process."""
    summary = _read(folder / "summary.json")
    status = runs.live_status(str(summary.get("status", "unknown")), summary.get("process"))
    if kind == "sweep":
        config = _config(folder / "sweep.yaml").get("base") or {}
    else:
        config = _config(folder / "config.yaml")
    return Entry(folder.name, kind, folder, status, summary, config, _read(folder / "meta.json"))


def list_entries(results_dir: Path) -> list[Entry]:
    """Every run and sweep under ``results_dir``, newest first (ids start with a UTC time)."""
    entries = []
    for kind, sub in (("run", "runs"), ("sweep", "sweeps")):
        parent = results_dir / sub
        if parent.is_dir():
            entries += [read_entry(p, kind) for p in parent.iterdir() if p.is_dir()]
    return sorted(entries, key=lambda e: e.id, reverse=True)


def resolve(results_dir: Path, ref: str) -> Path:
    """A run folder from a path, or from a unique prefix of a run id under ``results_dir``."""
    path = Path(ref)
    if path.is_dir() and (path / "config.yaml").exists():
        return path
    parent = results_dir / "runs"  # names only: no run's files need reading to match its id
    folders = sorted(parent.iterdir(), reverse=True) if parent.is_dir() else []
    matches = [p for p in folders if p.is_dir() and p.name.startswith(ref)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise RunRefError(
            f"{ref!r}: no run folder by that path, and no run id in "
            f"{results_dir / 'runs'} starts with it"
        )
    names = ", ".join(p.name for p in matches[:5])
    raise RunRefError(f"{ref!r} matches {len(matches)} runs ({names}); give more of the id")


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


def file_hashes(folder: Path, skip: Iterable[str] = ("meta.json",)) -> dict[str, str]:
    """sha256 of every file in a run folder (not hidden temporary ones, not ``skip``)."""
    skipped = set(skip)
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.startswith(".") and p.name not in skipped
    }
