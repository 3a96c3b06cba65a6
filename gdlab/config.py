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
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

_NO_VALUE = object()


class ConfigError(ValueError):
    """A config value that gdlab cannot use; the message says where, what and why."""

    def __init__(
        self,
        where: str,
        problem: str,
        key: str | None = None,
        value: object = _NO_VALUE,
    ) -> None:
        head = where
        if key is not None:
            head += f": {key}"
            if value is not _NO_VALUE:
                head += f" = {_show(value)}"
        super().__init__(f"{head}: {problem}")


def _show(value: object) -> str:
    """Render a value for an error message: strings quoted, the rest as YAML."""
    return repr(value) if isinstance(value, str) else _flow(value)


def _flow(value: object) -> str:
    """One value as single-line YAML, e.g. ``[3.0]`` or ``null``."""
    text = yaml.safe_dump(value, default_flow_style=True, width=1000).strip()
    return text.removesuffix("...").strip()


Check = Callable[[Any], bool]


def _option(default: Any, expected: str, check: Check | None = None) -> Any:
    """A config field with its check and the words used when the check fails."""
    return field(default=default, metadata={"expected": expected, "check": check})


def _positive(v: float) -> bool:
    return v > 0


def _non_negative(v: float) -> bool:
    return v >= 0


@dataclass(frozen=True)
class DataConfig:
    """Where the data comes from: a synthetic line y = X true_w + true_b + noise."""

    n_samples: int = _option(100, "a whole number >= 2", lambda v: v >= 2)
    x_min: float = _option(0.0, "a finite number below data.x_max")
    x_max: float = _option(10.0, "a finite number above data.x_min")
    true_w: tuple[float, ...] = _option((3.0,), "a number or a non-empty list of numbers")
    true_b: float = _option(2.0, "a finite number")
    noise_std: float = _option(1.0, "a number >= 0", _non_negative)
    seed: int = _option(42, "a whole number >= 0", _non_negative)
    standardize: bool = _option(False, "true or false")
    save_csv: bool = _option(True, "true or false")


OPTIMIZERS = ("gd",)


@dataclass(frozen=True)
class OptimizerConfig:
    """The update rule and its step size."""

    name: str = _option("gd", f"one of {', '.join(OPTIMIZERS)}", lambda v: v in OPTIMIZERS)
    lr: float = _option(0.005, "a number > 0", _positive)


@dataclass(frozen=True)
class TrainingConfig:
    """How long to train, from where, and what to record."""

    epochs: int = _option(10_000, "a whole number >= 1", lambda v: v >= 1)
    init_w: tuple[float, ...] = _option((0.0,), "a number or a list with one number per feature")
    init_b: float = _option(0.0, "a finite number")
    tol: float | None = _option(None, "null or a number > 0", _positive)
    log_every: int = _option(1, "a whole number >= 1", lambda v: v >= 1)


@dataclass(frozen=True)
class TheoryConfig:
    """What the predictions are measured against."""

    tol: float = _option(1e-3, "a number > 0", _positive)


@dataclass(frozen=True)
class OutputConfig:
    """What a run writes besides its numbers."""

    plots: bool = _option(True, "true or false")
    animate: bool = _option(False, "true or false")


@dataclass(frozen=True)
class Config:
    """A whole experiment: every value a run needs, validated."""

    data: DataConfig = field(default_factory=DataConfig)
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    theory: TheoryConfig = field(default_factory=TheoryConfig)
    output: OutputConfig = field(default_factory=OutputConfig)

    @property
    def n_features(self) -> int:
        """Number of input features, one per true weight."""
        return len(self.data.true_w)

    def initial_w(self) -> list[float]:
        """The starting weights, one per feature (a single number is broadcast)."""
        w = self.training.init_w
        return list(w) * self.n_features if len(w) == 1 else list(w)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Plain nested dict of every key, ready for YAML; loads back to an equal Config."""
        out: dict[str, dict[str, Any]] = {}
        for section in fields(self):
            values = getattr(self, section.name)
            out[section.name] = {f.name: _plain(getattr(values, f.name)) for f in fields(values)}
        return out


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


SECTIONS: dict[str, type] = {f.name: typing.get_type_hints(Config)[f.name] for f in fields(Config)}


def all_keys() -> list[str]:
    """Every dotted key a config can set, e.g. ``optimizer.lr``."""
    return [f"{s}.{f.name}" for s, cls in SECTIONS.items() for f in fields(cls)]


# --- coercion: one function per field type --------------------------------


def _as_float(value: Any) -> float:
    # YAML 1.1 reads 1e-3 (no dot) as a string; accept it as the number it means.
    if isinstance(value, bool):
        raise TypeError
    if isinstance(value, str):
        value = float(value.strip())
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TypeError
    return float(value)


def _as_int(value: Any) -> int:
    number = _as_float(value)
    if not number.is_integer():
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


_COERCE: dict[Any, Callable[[Any], Any]] = {
    float: _as_float,
    int: _as_int,
    bool: _as_bool,
    str: _as_str,
    tuple[float, ...]: _as_floats,
    float | None: _as_optional_float,
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
    config = Config(**sections)
    _check_together(config, where)
    return config


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
    if data.x_max <= data.x_min:
        raise ConfigError(
            where("data.x_max"),
            f"expected a number above data.x_min = {data.x_min} (the x range is empty)",
            "data.x_max",
            data.x_max,
        )
    if len(training.init_w) not in (1, config.n_features):
        raise ConfigError(
            where("training.init_w"),
            f"expected one number, or a list of {config.n_features} "
            "(one per feature in data.true_w)",
            "training.init_w",
            list(training.init_w),
        )


# --- YAML files and --set overrides --------------------------------------


def read_yaml(path: Path) -> Any:
    """Read a YAML file with the safe loader; errors name the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), "no such file") from None
    except IsADirectoryError:
        raise ConfigError(str(path), "is a folder, expected a YAML file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(str(path), f"cannot be read ({err})") from None
    try:
        return yaml.safe_load(text)
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


def load_config(path: Path | None = None, overrides: Iterable[str] = ()) -> Config:
    """Load a YAML config (or the defaults when ``path`` is None) and apply ``--set`` items."""
    origin = "defaults" if path is None else str(path)
    raw = {} if path is None else read_yaml(path)
    if raw is None:  # an empty file
        raw = {}
    if not isinstance(raw, Mapping):
        raise ConfigError(origin, "expected a mapping of sections, e.g. 'optimizer:'")
    origins: dict[str, str] = {}
    parsed = [(*parse_override(item), "--set") for item in overrides]
    return build_config(apply_overrides(raw, parsed, origins), origins, origin)


def dump_config(config: Config) -> str:
    """The config as YAML text, every key present, in a stable order."""
    lines = []
    for section, values in config.to_dict().items():
        lines.append(f"{section}:")
        lines.extend(f"  {key}: {_flow(value)}" for key, value in values.items())
    return "\n".join(lines) + "\n"
