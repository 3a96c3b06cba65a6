"""The shape of a config: frozen dataclasses, their defaults, and what each value must be.

Loading and validating YAML lives in :mod:`gdlab.record.config`; this module only
declares. Each field carries the words used when a value is refused.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

import yaml

from gdlab.core.schedules import Schedule

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
    return repr(value) if isinstance(value, str) else flow_yaml(value)


def flow_yaml(value: object) -> str:
    """One value as single-line YAML, e.g. ``[3.0]`` or ``null``."""
    try:
        # A sweep writes the same values many times; the type keeps True apart from 1 and 1.0.
        if isinstance(value, list):  # e.g. true_w, 100 numbers at d = 100
            return _flow_list(tuple((type(v).__name__, v) for v in value))
        return _flow_scalar(type(value).__name__, value)
    except TypeError:  # a list of lists: not hashable
        return _flow(value)


@functools.lru_cache(maxsize=4096)
def _flow_scalar(kind: str, value: object) -> str:
    return _flow(value)


@functools.lru_cache(maxsize=256)
def _flow_list(items: tuple[tuple[str, object], ...]) -> str:
    return _flow([value for _, value in items])


def _flow(value: object) -> str:
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


SOURCES = ("synthetic", "csv")


@dataclass(frozen=True)
class DataConfig:
    """Where the data comes from: a synthetic line y = X true_w + true_b + noise, or a CSV."""

    source: str = _option("synthetic", "synthetic or csv", lambda v: v in SOURCES)
    path: str | None = _option(None, "the path of a CSV file (relative to the config file)")
    x_columns: tuple[str, ...] = _option((), "a column name or a list of column names")
    y_column: str | None = _option(None, "a column name")
    n_samples: int = _option(100, "a whole number >= 2", lambda v: v >= 2)
    x_min: float = _option(0.0, "a finite number below data.x_max")
    x_max: float = _option(10.0, "a finite number above data.x_min")
    true_w: tuple[float, ...] = _option((3.0,), "a number or a non-empty list of numbers")
    true_b: float = _option(2.0, "a finite number")
    noise_std: float = _option(1.0, "a number >= 0", _non_negative)
    seed: int = _option(42, "a whole number >= 0", _non_negative)
    standardize: bool = _option(False, "true or false")
    save_csv: bool = _option(True, "true or false")


MAX_DEGREE = 20  # past this the powers of any x overflow or say nothing float64 can hold


@dataclass(frozen=True)
class ModelConfig:
    """What is fitted: y_hat = X w + b, X's columns being x, x^2, ..., x^degree of one x
    when degree > 1, and b held at 0 for a fit through the origin."""

    degree: int = _option(
        1, f"a whole number from 1 to {MAX_DEGREE}", lambda v: 1 <= v <= MAX_DEGREE
    )
    intercept: bool = _option(True, "true (fit b) or false (b = 0: through the origin)")


OPTIMIZERS = ("gd", "momentum", "adam", "adamw", "rmsprop", "adagrad", "newton")
PRECONDITIONERS = ("none", "diagonal")


def _betas(v: tuple[float, ...]) -> bool:
    return len(v) == 2 and all(0 <= b < 1 for b in v)


@dataclass(frozen=True)
class OptimizerConfig:
    """The update rule and its settings, named and defaulted as in torch.optim.

    A null momentum, eps or weight_decay means that optimizer's own default
    (momentum 0.9 for ``momentum``; eps 1e-10 for adagrad, else 1e-8; weight
    decay 0.01 for adamw, else 0); :func:`resolve_defaults` fills them in.
    """

    name: str = _option("gd", f"one of {', '.join(OPTIMIZERS)}", lambda v: v in OPTIMIZERS)
    lr: float = _option(0.005, "a number > 0", _positive)
    precondition: str = _option(
        "none", f"one of {', '.join(PRECONDITIONERS)}", lambda v: v in PRECONDITIONERS
    )
    momentum: float | None = _option(None, "null or a number >= 0", _non_negative)
    dampening: float = _option(0.0, "a number >= 0", _non_negative)
    nesterov: bool = _option(False, "true or false")
    betas: tuple[float, ...] = _option((0.9, 0.999), "two numbers in [0, 1)", _betas)
    eps: float | None = _option(None, "null or a number >= 0", _non_negative)
    amsgrad: bool = _option(False, "true or false")
    alpha: float = _option(0.99, "a number >= 0", _non_negative)
    centered: bool = _option(False, "true or false")
    lr_decay: float = _option(0.0, "a number >= 0", _non_negative)
    weight_decay: float | None = _option(None, "null or a number >= 0", _non_negative)
    # Read and checked by gdlab/record/schedule.py: a mapping, not one value.
    schedule: Schedule | None = _option(None, "null or a mapping with name and its keys")


@dataclass(frozen=True)
class TrainingConfig:
    """How long to train, from where, and what to record."""

    epochs: int = _option(10_000, "a whole number >= 1", lambda v: v >= 1)
    init_w: tuple[float, ...] = _option((0.0,), "a number or a list with one number per feature")
    init_b: float = _option(0.0, "a finite number")
    tol: float | None = _option(None, "null or a number > 0", _positive)
    log_every: int = _option(1, "a whole number >= 1", lambda v: v >= 1)
    batch_size: int | None = _option(
        None, "null (full batch) or a whole number >= 1", lambda v: v >= 1
    )
    log_steps: bool = _option(False, "true or false")
    fast: bool | None = _option(
        None, "null (gdlab decides), true (the data's sums) or false (the four functions)"
    )


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
    model: ModelConfig = field(default_factory=ModelConfig)
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    theory: TheoryConfig = field(default_factory=TheoryConfig)
    output: OutputConfig = field(default_factory=OutputConfig)

    @property
    def n_features(self) -> int:
        """Number of features: the powers of x for a polynomial, else one per CSV x column
        or per true weight."""
        if self.model.degree > 1:
            return self.model.degree
        return len(self.data.x_columns) if self.data.source == "csv" else len(self.data.true_w)

    @property
    def n_params(self) -> int:
        """Number of parameters learned: the weights, and b unless it is held at 0."""
        return self.n_features + (1 if self.model.intercept else 0)

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
    if isinstance(value, Schedule):
        return value.to_dict()
    return list(value) if isinstance(value, tuple) else value


SECTIONS: dict[str, type] = {f.name: typing.get_type_hints(Config)[f.name] for f in fields(Config)}


def all_keys() -> list[str]:
    """Every dotted key a config can set, e.g. ``optimizer.lr``."""
    return [f"{s}.{f.name}" for s, cls in SECTIONS.items() for f in fields(cls)]
