"""What a person says about a run or sweep: its tags and a note, beside the results.

They live in ``labels.json`` in the folder, written after the results and never
part of them: `gdlab verify` leaves the file out, as it does meta.json, and
relabelling a run changes nothing it computed. ``trash/`` under the results
folder holds the runs and sweeps `gdlab runs rm` moved away, restorable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gdlab.record import runs

LABELS = "labels.json"
TRASH = "trash"
_TAG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class LabelError(ValueError):
    """A tag gdlab cannot store (the message says which and why)."""


@dataclass(frozen=True)
class Labels:
    """A folder's tags (sorted, each once) and note."""

    tags: tuple[str, ...] = ()
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """As labels.json holds it."""
        return {"tags": list(self.tags), "note": self.note}


def check_tags(tags: list[str]) -> None:
    """Refuse tags that would not read back as typed (letters, digits, . _ -; up to 64)."""
    for tag in tags:
        if not _TAG.fullmatch(tag):
            raise LabelError(
                f"--tag {tag!r}: expected letters, digits, '.', '_' or '-' (up to 64, "
                "starting with a letter or digit)"
            )


def read_labels(folder: Path) -> Labels:
    """The folder's labels; none when labels.json is missing or not gdlab's."""
    path = folder / LABELS
    if not path.is_file():
        return Labels()
    try:
        raw = runs.read_json(path)
    except (OSError, ValueError):
        return Labels()
    if not isinstance(raw, dict):
        return Labels()
    tags = raw.get("tags")
    note = raw.get("note")
    clean = tuple(sorted({t for t in tags if isinstance(t, str)})) if isinstance(tags, list) else ()
    return Labels(clean, note if isinstance(note, str) else None)


def add_labels(folder: Path, tags: list[str], note: str | None) -> Labels:
    """Add tags (and set the note, when given) to a folder's labels, atomically."""
    check_tags(tags)
    old = read_labels(folder)
    new = Labels(tuple(sorted({*old.tags, *tags})), note if note is not None else old.note)
    runs.write_json(folder / LABELS, new.to_dict())
    return new


def move_to_trash(results_dir: Path, folder: Path, kind: str) -> Path:
    """Move a run or sweep folder into results/trash/<kind>s/, whence it can be restored."""
    target = results_dir / TRASH / f"{kind}s" / folder.name
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise FileExistsError(f"{target} already exists")
    folder.rename(target)
    return target


def restore(results_dir: Path, name: str) -> tuple[Path, str]:
    """Move a trashed run or sweep back where it was; its new (old) path and kind."""
    for kind in ("run", "sweep"):
        trashed = results_dir / TRASH / f"{kind}s" / name
        if trashed.is_dir():
            target = results_dir / f"{kind}s" / name
            if target.exists():
                raise FileExistsError(f"{target} already exists")
            target.parent.mkdir(parents=True, exist_ok=True)
            trashed.rename(target)
            return target, kind
    raise FileNotFoundError(f"no run or sweep {name!r} in {results_dir / TRASH}")
