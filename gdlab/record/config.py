"""Typed, validated experiment configs: YAML in, frozen dataclasses out.

Every value reaches gdlab through :func:`build_config`, whether it came from
a YAML file, a ``--set KEY=VALUE`` override or the defaults, so there is one
place that says what a valid value is and one shape of error message:
``<where>: <key> = <value>: expected <what>``.
"""

from __future__ import annotations

import difflib
import functools
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import yaml

from gdlab.record.checks import check_together
from gdlab.record.coerce import COERCE
from gdlab.record.schedule import read_schedule
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
from gdlab.record.yamlfiles import anchor_data_path, read_yaml

__all__ = [
    "Config",
    "ConfigError",
    "DataConfig",
    "OptimizerConfig",
    "TrainingConfig",
    "all_keys",
    "apply_overrides",
    "build_config",
    "dump_config",
    "load_config",
    "parse_override",
    "unknown_key_message",
]


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
    check_together(config, where)
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


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """A section's field types, worked out once (a sweep builds thousands of configs)."""
    return typing.get_type_hints(cls)


def _build_section(
    name: str, cls: type, given: Mapping[str, Any], where: Callable[[str], str]
) -> Any:
    hints = _hints(cls)
    values = {}
    for f in fields(cls):
        if f.name not in given:
            continue
        key, value = f"{name}.{f.name}", given[f.name]
        if key == "optimizer.schedule":  # a mapping of its own keys, each checked
            values[f.name] = read_schedule(value, where)
            continue
        problem = ConfigError(where(key), f"expected {f.metadata['expected']}", key, value)
        try:
            values[f.name] = COERCE[hints[f.name]](value)
        except (TypeError, ValueError):
            raise problem from None
        check = f.metadata["check"]
        if check is not None and values[f.name] is not None and not check(values[f.name]):
            raise problem
    return cls(**values)


def _reject_unknown(raw: Mapping[str, Any], where: Callable[[str], str]) -> None:
    known = all_keys()
    if "grid" in raw and set(raw) <= {"name", "base", "grid", "seeds"}:
        raise ConfigError(
            where("grid"),
            "this is a sweep file (name, base, grid): run it with gdlab sweep --config",
        )
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


# --- YAML files and --set overrides --------------------------------------


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
