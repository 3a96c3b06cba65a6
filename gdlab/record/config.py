"""Typed, validated experiment configs: YAML in, frozen dataclasses out.

Every value reaches gdlab through :func:`build_config`, whether it came from
a YAML file, a ``--set KEY=VALUE`` override or the defaults, so there is one
place that says what a valid value is and one shape of error message:
``<where>: <key> = <value>: expected <what>``.
"""

from __future__ import annotations

import difflib
import math
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import yaml

from gdlab.record.schema import (
    SECTIONS,
    Config,
    ConfigError,
    DataConfig,
    OptimizerConfig,
    TrainingConfig,
    all_keys,
    flow_yaml,
)

__all__ = [
    "Config",
    "ConfigError",
    "DataConfig",
    "OptimizerConfig",
    "TrainingConfig",
    "all_keys",
    "anchor_data_path",
    "anchor_path",
    "apply_overrides",
    "build_config",
    "dump_config",
    "load_config",
    "parse_override",
    "read_yaml",
    "unknown_key_message",
]


# --- coercion: one function per field type --------------------------------


def _as_float(value: Any) -> float:
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


def _as_int(value: Any) -> int:
    # An integer as written stays exact; one written as a float (1e6) must be one exactly.
    # Either way at most 2^53, where float64 still counts in ones.
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > 2**53:
            raise TypeError
        return value
    number = _as_float(value)
    if not number.is_integer() or abs(number) > 2**53:
        raise TypeError
    return int(number)


def _as_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError
    return value


def _as_str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value


def _as_floats(value: Any) -> tuple[float, ...]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise TypeError
    return tuple(_as_float(v) for v in items)


def _as_optional_float(value: Any) -> float | None:
    return None if value is None else _as_float(value)


def _as_optional_bool(value: Any) -> bool | None:
    return None if value is None else _as_bool(value)


def _as_optional_int(value: Any) -> int | None:
    return None if value is None else _as_int(value)


def _as_optional_str(value: Any) -> str | None:
    return None if value is None else _as_str(value)


def _as_strs(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(_as_str(v) for v in items)


_COERCE: dict[Any, Callable[[Any], Any]] = {
    float: _as_float,
    int: _as_int,
    bool: _as_bool,
    str: _as_str,
    tuple[float, ...]: _as_floats,
    float | None: _as_optional_float,
    int | None: _as_optional_int,
    bool | None: _as_optional_bool,
    str | None: _as_optional_str,
    tuple[str, ...]: _as_strs,
}


# --- building a Config ----------------------------------------------------


def build_config(raw: Mapping[str, Any], origins: Mapping[str, str], default_origin: str) -> Config:
    """Validate a nested mapping of raw values and return a frozen :class:`Config`.

    ``origins`` maps dotted keys to where their value came from (``--set``, a
    sweep grid); keys not in it are reported as coming from ``default_origin``.
    """

    def where(key: str) -> str:
        return origins.get(key, default_origin)

    if not isinstance(raw, Mapping):
        raise ConfigError(default_origin, "expected a mapping of sections, e.g. 'optimizer:'")
    _reject_unknown(raw, where)
    sections = {}
    for name, cls in SECTIONS.items():
        given = raw.get(name) or {}
        if not isinstance(given, Mapping):
            raise ConfigError(where(name), "expected a mapping of keys", name, given)
        sections[name] = _build_section(name, cls, given, where)
    config = resolve_defaults(Config(**sections))
    _check_together(config, where)
    return config


def resolve_defaults(config: Config) -> Config:
    """Fill the optimizer settings left null with that optimizer's own torch.optim default."""
    opt = config.optimizer
    resolved = replace(
        opt,
        momentum=opt.momentum
        if opt.momentum is not None
        else 0.9
        if opt.name == "momentum"
        else 0.0,
        eps=opt.eps if opt.eps is not None else 1e-10 if opt.name == "adagrad" else 1e-8,
        weight_decay=opt.weight_decay
        if opt.weight_decay is not None
        else 0.01
        if opt.name == "adamw"
        else 0.0,
    )
    return replace(config, optimizer=resolved)


def _build_section(
    name: str, cls: type, given: Mapping[str, Any], where: Callable[[str], str]
) -> Any:
    hints = typing.get_type_hints(cls)
    values = {}
    for f in fields(cls):
        if f.name not in given:
            continue
        key, value = f"{name}.{f.name}", given[f.name]
        problem = ConfigError(where(key), f"expected {f.metadata['expected']}", key, value)
        try:
            values[f.name] = _COERCE[hints[f.name]](value)
        except (TypeError, ValueError):
            raise problem from None
        check = f.metadata["check"]
        if check is not None and values[f.name] is not None and not check(values[f.name]):
            raise problem
    return cls(**values)


def _reject_unknown(raw: Mapping[str, Any], where: Callable[[str], str]) -> None:
    known = all_keys()
    for name, section in raw.items():
        if name not in SECTIONS:
            # Name the whole dotted key when there is one: 'optimiser.lr' -> 'optimizer.lr'.
            first = next(iter(section), None) if isinstance(section, Mapping) else None
            key = str(name) if first is None else f"{name}.{first}"
            raise ConfigError(
                where(key), unknown_key_message(key, known if first else list(SECTIONS))
            )
        if isinstance(section, Mapping):
            for key in section:
                dotted = f"{name}.{key}"
                if dotted not in known:
                    raise ConfigError(where(dotted), unknown_key_message(dotted, known))


def unknown_key_message(key: str, known: Iterable[str]) -> str:
    """'unknown key ...' with the closest valid key, or the list of valid ones."""
    known = list(known)
    # "lr" alone should still find "optimizer.lr".
    close = [k for k in known if k.rsplit(".", 1)[-1] == key]
    close = close or difflib.get_close_matches(key, known, n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else f"; valid keys: {', '.join(known)}"
    return f"unknown key '{key}'{hint}"


def _check_together(config: Config, where: Callable[[str], str]) -> None:
    """Checks that involve more than one key."""
    data, training = config.data, config.training
    if not math.isfinite(data.x_max - data.x_min):
        raise ConfigError(
            where("data.x_max"),
            f"expected a range data.x_max - data.x_min that fits in float64 "
            f"(from {data.x_min:g} it overflows)",
            "data.x_max",
            data.x_max,
        )
    if data.x_max <= data.x_min:
        raise ConfigError(
            where("data.x_max"),
            f"expected a number above data.x_min = {data.x_min} (the x range is empty)",
            "data.x_max",
            data.x_max,
        )
    opt = config.optimizer
    if opt.nesterov and (not opt.momentum or opt.dampening != 0):
        raise ConfigError(
            where("optimizer.nesterov"),
            f"expected momentum > 0 and dampening 0 with it (got momentum {opt.momentum}, "
            f"dampening {opt.dampening}), as torch.optim.SGD requires",
            "optimizer.nesterov",
            True,
        )
    if data.source == "csv":
        for key, value in (("path", data.path), ("y_column", data.y_column)):
            if not value:
                raise ConfigError(
                    where(f"data.{key}"), "is required when data.source is csv", f"data.{key}"
                )
        if not data.x_columns:
            raise ConfigError(
                where("data.x_columns"),
                "is required when data.source is csv: the name of the x column, or a list of names",
                "data.x_columns",
            )
    if data.source == "csv":
        _check_columns(data.x_columns, data.y_column, where)
    elif data.n_samples < config.n_features + 1:
        raise ConfigError(
            where("data.n_samples"),
            f"expected at least {config.n_features + 1}: {config.n_features} weights and b "
            "need one sample each",
            "data.n_samples",
            data.n_samples,
        )
    if len(training.init_w) not in (1, config.n_features):
        raise ConfigError(
            where("training.init_w"),
            f"expected one number, or a list of {config.n_features} "
            "(one per feature in data.true_w)",
            "training.init_w",
            list(training.init_w),
        )


def _check_columns(
    x_columns: tuple[str, ...], y_column: str | None, where: Callable[[str], str]
) -> None:
    """Each x column once, and y not among them."""
    for i, name in enumerate(x_columns):
        if name in x_columns[:i]:
            raise ConfigError(
                where("data.x_columns"),
                f"column {name!r} is given twice (items {x_columns.index(name) + 1} and {i + 1})",
                "data.x_columns",
                list(x_columns),
            )
    if y_column in x_columns:
        raise ConfigError(
            where("data.y_column"),
            f"{y_column!r} is also an x column: the target cannot be one of its own features",
            "data.y_column",
            y_column,
        )


# --- YAML files and --set overrides --------------------------------------


MAX_CONFIG_BYTES = 1_000_000  # a config is a page of YAML; anything larger is not one


class _UniqueKeyLoader(yaml.SafeLoader):
    """The safe loader, refusing a key written twice in one mapping (YAML says "last one wins")."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} appears twice (lines {seen[key]} and {line})",
                    key_node.start_mark,
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def safe_load(text: str) -> Any:
    """YAML with the safe loader (no Python objects) and no duplicate keys."""
    return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: no Python objects


def read_yaml(path: Path) -> Any:
    """Read a YAML file with the safe loader; errors name the file and line."""
    if path.exists() and not path.is_dir() and not path.is_file():
        raise ConfigError(str(path), "is not a regular file (a FIFO or a device?)")
    if path.is_file() and path.stat().st_size > MAX_CONFIG_BYTES:
        size = path.stat().st_size
        raise ConfigError(str(path), f"is {size:,} bytes; expected a YAML config (at most 1 MB)")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), "no such file") from None
    except IsADirectoryError:
        raise ConfigError(str(path), "is a folder, expected a YAML file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(str(path), f"cannot be read ({err})") from None
    try:
        return safe_load(text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = f", line {mark.line + 1}" if mark is not None else ""
        problem = err.problem or err.context or "not valid YAML"
        raise ConfigError(f"{path}{line}", f"invalid YAML: {problem}") from None
    except yaml.YAMLError as err:
        raise ConfigError(str(path), f"invalid YAML: {err}") from None


def parse_override(item: str) -> tuple[str, Any]:
    """Split ``KEY=VALUE`` and read VALUE as YAML (so ``0.1``, ``null``, ``[1, 2]`` work)."""
    key, sep, text = item.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"--set {item!r}", "expected KEY=VALUE, e.g. optimizer.lr=0.01")
    if key.count(".") != 1:
        raise ConfigError(f"--set {item!r}", unknown_key_message(key, all_keys()))
    try:
        value = yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError:
        raise ConfigError(f"--set {item!r}", "the value is not valid YAML") from None
    return key, value


def apply_overrides(
    raw: Mapping[str, Any], items: Iterable[tuple[str, Any, str]], origins: dict[str, str]
) -> dict[str, Any]:
    """Return ``raw`` with each ``(key, value, origin)`` set; records where each came from."""
    merged: dict[str, Any] = {k: dict(v) if isinstance(v, Mapping) else v for k, v in raw.items()}
    for key, value, origin in items:
        section, name = key.split(".", 1)
        target = merged.setdefault(section, {})
        if not isinstance(target, dict):
            raise ConfigError(origin, "expected a mapping of keys", section, target)
        target[name] = value
        origins[key] = origin
    return merged


def anchor_path(value: Any, base: Path) -> Any:
    """A relative data.path written in a file is taken relative to that file's folder."""
    if isinstance(value, str) and value and not Path(value).is_absolute():
        return str((base / value).resolve())
    return value


def anchor_data_path(raw: Mapping[str, Any], base: Path) -> Mapping[str, Any]:
    """``raw`` with its data.path (if any) anchored at ``base``."""
    data = raw.get("data")
    if not isinstance(data, Mapping) or "path" not in data:
        return raw
    return {**raw, "data": {**data, "path": anchor_path(data["path"], base)}}


def load_config(path: Path | None = None, overrides: Iterable[str] = ()) -> Config:
    """Load a YAML config (or the defaults when ``path`` is None) and apply ``--set`` items."""
    origin = "defaults" if path is None else str(path)
    raw = {} if path is None else read_yaml(path)
    if raw is None:  # an empty file
        raw = {}
    if not isinstance(raw, Mapping):
        raise ConfigError(origin, "expected a mapping of sections, e.g. 'optimizer:'")
    if path is not None:
        raw = anchor_data_path(raw, path.parent)
    origins: dict[str, str] = {}
    parsed = [(*parse_override(item), "--set") for item in overrides]
    return build_config(apply_overrides(raw, parsed, origins), origins, origin)


def dump_config(config: Config) -> str:
    """The config as YAML text, every key present, in a stable order."""
    lines = []
    for section, values in config.to_dict().items():
        lines.append(f"{section}:")
        lines.extend(f"  {key}: {flow_yaml(value)}" for key, value in values.items())
    return "\n".join(lines) + "\n"
