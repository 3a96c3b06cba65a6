"""Which runs `gdlab runs list` shows: tags, conditions on columns and config keys, order.

A condition is KEY OP VALUE; every key, value and type is checked before a
run is looked at, so a typo is an error, never an empty answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import yaml

from gdlab.record.catalog import STATUSES, Entry, flatten
from gdlab.record.yamlfiles import as_number


class FilterError(ValueError):
    """A --where condition gdlab cannot read."""


_CONDITION = re.compile(r"^([A-Za-z_][\w.]*)\s*(<=|>=|!=|=|<|>)\s*(.+)$")


def select(
    entries: list[Entry],
    tags: Iterable[str] = (),
    where: Iterable[str] = (),
    sort: str | None = None,
    reverse: bool = False,
) -> list[dict[str, Any]]:
    """The entries' rows that carry every tag and meet every condition, sorted.

    A condition is KEY OP VALUE, OP one of = != < > <= >=; KEY a column of
    `runs list` (final_loss, epochs, status ...) or a dotted config key
    (optimizer.lr); VALUE read as YAML (0.1, true, adam). ``sort`` takes the
    same keys; entries without the key go last.
    """
    conditions = [_parse(c) for c in where]
    _check_keys([key for key, _, _ in conditions], "--where")
    _check_keys([sort] if sort else [], "--sort")
    for key, op, value in conditions:
        _check_value(key, op, value)
    wanted = set(tags)
    rows = []
    for entry in entries:
        values = {**flatten(entry.config), **entry.row()}
        if wanted <= set(entry.labels.tags) and all(_holds(values, *c) for c in conditions):
            rows.append((values, entry.row()))
    if sort is not None:
        present = [r for r in rows if _comparable(r[0].get(sort)) is not None]
        absent = [r for r in rows if _comparable(r[0].get(sort)) is None]
        present.sort(key=lambda r: _comparable(r[0][sort]), reverse=reverse)  # type: ignore[arg-type, return-value]
        rows = present + absent
    return [row for _, row in rows]


# The columns of `runs list` a filter or sort may name.
_ROW_KEYS = [
    *("id", "kind", "name", "status", "optimizer", "lr", "epochs", "final_loss"),
    *("w", "b", "started", "git_commit", "points", "tags", "note"),
]


def _check_keys(keys: list[str], option: str) -> None:
    """Refuse a key that is neither a column of `runs list` nor a config key: a typo would
    otherwise match nothing, silently."""
    from gdlab.record.config import unknown_key_message
    from gdlab.record.schema import all_keys

    known = [*_ROW_KEYS, *all_keys()]
    for key in keys:
        if key not in known:
            message = unknown_key_message(key, known)
            if "did you mean" not in message:  # not the whole list of keys: where to look
                message = (
                    f"unknown key '{key}': a column of runs list --json, or a config key "
                    "(gdlab config shows them)"
                )
            raise FilterError(f"{option}: {message}")


def _check_value(key: str, op: str, value: Any) -> None:
    """Refuse a condition no run could meet by its type: an order against text, text
    for a number, an unknown status or optimizer."""
    from gdlab.record.schema import OPTIMIZERS, Config

    where = f"--where {key}{op}{value}"
    if op in ("<", ">", "<=", ">=") and (isinstance(value, (str, bool)) or value is None):
        raise FilterError(f"{where}: expected a number after {op}")
    default = flatten(Config().to_dict()).get(key)
    numeric = isinstance(default, (int, float)) and not isinstance(default, bool)
    if numeric and (isinstance(value, (str, bool)) or value is None):
        raise FilterError(f"{where}: {key} is a number")
    if isinstance(default, bool) and not isinstance(value, bool):
        raise FilterError(f"{where}: {key} is true or false")
    choices = {
        "status": STATUSES,
        "optimizer.name": OPTIMIZERS,
        "optimizer": OPTIMIZERS,
    }.get(key)
    if choices and op in ("=", "!=") and value not in choices:
        raise FilterError(f"{where}: expected one of {', '.join(choices)}")


def _parse(condition: str) -> tuple[str, str, Any]:

    match = _CONDITION.match(condition.strip())
    if match is None:
        raise FilterError(
            f"--where {condition!r}: expected KEY=VALUE (or != < > <= >=), e.g. optimizer.lr=0.1"
        )
    key, op, raw = match.groups()
    if raw[0] in "<>=!":  # e.g. lr=>0.01: an operator run on, not a value
        raise FilterError(f"--where {condition!r}: expected KEY OP VALUE, OP one of = != < > <= >=")
    try:
        value = as_number(yaml.safe_load(raw))
    except yaml.YAMLError:
        value = raw
    return key, op, value


def _comparable(value: Any) -> tuple[int, Any] | None:
    """Numbers before text, so one sort key orders both; None (or a list) is not comparable."""
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        return None if not isinstance(value, bool) else (1, str(value).lower())
    if isinstance(value, (int, float)):
        return (0, value)
    return (1, str(value))


def _holds(values: dict[str, Any], key: str, op: str, wanted: Any) -> bool:
    if key not in values:
        return False
    have = values[key]
    if op in ("=", "!="):
        same = have == wanted or str(have) == str(wanted)
        return same if op == "=" else not same
    a, b = _comparable(have), _comparable(wanted)
    if a is None or b is None or a[0] != b[0]:
        return False
    return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
