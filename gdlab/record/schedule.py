"""``optimizer.schedule``: null, or a mapping with a name and that schedule's keys.

The schedules themselves (their formulas and torch's defaults) live in
gdlab/core/schedules.py; this module reads and checks the mapping a config
gives, with the same one-line errors as every other key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gdlab.core.schedules import KEYS, REQUIRED, Schedule
from gdlab.record.coerce import as_float, as_int
from gdlab.record.schema import ConfigError

KEY = "optimizer.schedule"
EXPECTED = (
    "null, or a mapping with name (step, exponential, cosine or warmup) and its keys, "
    "e.g. {name: step, step_size: 100, gamma: 0.5}"
)

# Each key: how it is read, what it must be, and the words used when it is not.
_RULES: dict[str, tuple[Callable[[Any], Any], Callable[[Any], bool], str]] = {
    "step_size": (as_int, lambda v: v >= 1, "a whole number >= 1"),
    "gamma": (as_float, lambda v: v > 0, "a number > 0"),
    "t_max": (as_int, lambda v: v >= 1, "a whole number >= 1"),
    "eta_min": (as_float, lambda v: v >= 0, "a number >= 0"),
    "start_factor": (as_float, lambda v: 0 < v <= 1, "a number in (0, 1], as torch's LinearLR"),
    "end_factor": (as_float, lambda v: 0 <= v <= 1, "a number in [0, 1], as torch's LinearLR"),
    "total_iters": (as_int, lambda v: v >= 1, "a whole number >= 1"),
}


def read_schedule(value: Any, where: Callable[[str], str]) -> Schedule | None:
    """The schedule a config's ``optimizer.schedule`` describes; ConfigError if it cannot be."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ConfigError(where(KEY), f"expected {EXPECTED}", KEY, value)
    name = value.get("name")
    if name not in KEYS:
        raise ConfigError(where(KEY), f"expected one of {', '.join(KEYS)}", f"{KEY}.name", name)
    settings = {}
    for key, raw in value.items():
        if key == "name":
            continue
        if key not in KEYS[name]:
            raise ConfigError(
                where(KEY),
                f"not a key of the {name} schedule; its keys: {', '.join(KEYS[name])}",
                f"{KEY}.{key}",
            )
        read, check, expected = _RULES[key]
        problem = ConfigError(where(KEY), f"expected {expected}", f"{KEY}.{key}", raw)
        try:
            settings[key] = read(raw)
        except (TypeError, ValueError):
            raise problem from None
        if not check(settings[key]):
            raise problem
    for key in REQUIRED[name]:
        if key not in settings:
            raise ConfigError(
                where(KEY),
                f"is required by the {name} schedule, as torch requires it",
                f"{KEY}.{key}",
            )
    return Schedule(name, **settings)
