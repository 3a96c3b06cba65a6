"""Reading one raw config value (from YAML or ``--set``) as the type its field declares.

One function per field type; each raises TypeError or ValueError for a value it
cannot read, and its caller names the key and what was expected.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any


def as_float(value: Any) -> float:
    # YAML 1.1 reads 1e-3 (no dot) as a string; accept it as the number it means.
    if isinstance(value, bool):
        raise TypeError
    if isinstance(value, str):
        value = float(value.strip())
    if not isinstance(value, (int, float)):
        raise TypeError
    try:
        number = float(value)
    except OverflowError:  # an integer beyond float64's range
        raise TypeError from None
    if not math.isfinite(number):
        raise TypeError
    return number


def as_int(value: Any) -> int:
    # An integer as written stays exact; one written as a float (1e6) must be one exactly.
    # Either way at most 2^53, where float64 still counts in ones.
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > 2**53:
            raise TypeError
        return value
    number = as_float(value)
    if not number.is_integer() or abs(number) > 2**53:
        raise TypeError
    return int(number)


def as_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError
    return value


def as_str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value


def as_floats(value: Any) -> tuple[float, ...]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise TypeError
    return tuple(as_float(v) for v in items)


def as_optional_float(value: Any) -> float | None:
    return None if value is None else as_float(value)


def as_optional_bool(value: Any) -> bool | None:
    return None if value is None else as_bool(value)


def as_optional_int(value: Any) -> int | None:
    return None if value is None else as_int(value)


def as_optional_str(value: Any) -> str | None:
    return None if value is None else as_str(value)


def as_strs(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(as_str(v) for v in items)


COERCE: dict[Any, Callable[[Any], Any]] = {
    float: as_float,
    int: as_int,
    bool: as_bool,
    str: as_str,
    tuple[float, ...]: as_floats,
    float | None: as_optional_float,
    int | None: as_optional_int,
    bool | None: as_optional_bool,
    str | None: as_optional_str,
    tuple[str, ...]: as_strs,
}
