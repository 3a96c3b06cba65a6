"""The checks a config needs beyond each value on its own: keys that depend on each other."""

from __future__ import annotations

import math
from collections.abc import Callable

from gdlab.record.schema import Config, ConfigError


def check_together(config: Config, where: Callable[[str], str]) -> None:
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
    _check_optimizer(config, where)
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
    elif data.n_samples < config.n_params:
        b = " and b" if config.model.intercept else ""
        raise ConfigError(
            where("data.n_samples"),
            f"expected at least {config.n_params}: {config.n_features} weights{b} "
            "need one sample each",
            "data.n_samples",
            data.n_samples,
        )
    _check_model(config, where)
    if len(training.init_w) not in (1, config.n_features):
        raise ConfigError(
            where("training.init_w"),
            f"expected one number, or a list of {config.n_features} (one per feature)",
            "training.init_w",
            list(training.init_w),
        )


def _check_optimizer(config: Config, where: Callable[[str], str]) -> None:
    """Newton solves with the full data's Hessian; the diagonal preconditioner is for SGD."""
    opt, batch_size = config.optimizer, config.training.batch_size
    if opt.name == "newton" and batch_size is not None:
        raise ConfigError(
            where("training.batch_size"),
            "expected null (full batch) with optimizer.name = newton: its step solves with "
            "the whole data's Hessian, which a mini-batch's gradient does not match",
            "training.batch_size",
            batch_size,
        )
    if opt.name == "newton" and opt.weight_decay:
        raise ConfigError(
            where("optimizer.weight_decay"),
            "expected 0 or null with optimizer.name = newton (no decay in its Hessian)",
            "optimizer.weight_decay",
            opt.weight_decay,
        )
    if opt.precondition != "none" and opt.name not in ("gd", "momentum"):
        raise ConfigError(
            where("optimizer.precondition"),
            f"expected none with optimizer.name = {opt.name}: the diagonal preconditioner "
            "scales the steps of gd and momentum",
            "optimizer.precondition",
            opt.precondition,
        )


def _check_model(config: Config, where: Callable[[str], str]) -> None:
    """A polynomial is of one x; a fit through the origin starts there too."""
    model, data = config.model, config.data
    if model.degree > 1 and data.source == "csv" and len(data.x_columns) != 1:
        raise ConfigError(
            where("model.degree"),
            f"expected 1 with {len(data.x_columns)} x columns: the powers x, x^2, ... "
            "are of a single column (data.x_columns)",
            "model.degree",
            model.degree,
        )
    if model.degree > 1 and data.source == "synthetic" and len(data.true_w) != model.degree:
        raise ConfigError(
            where("data.true_w"),
            f"expected {model.degree} numbers with model.degree = {model.degree}: "
            "one weight for each power x, x^2, ...",
            "data.true_w",
            list(data.true_w),
        )
    if not model.intercept and config.training.init_b != 0:
        raise ConfigError(
            where("training.init_b"),
            "expected 0 with model.intercept = false: a fit through the origin holds b at 0",
            "training.init_b",
            config.training.init_b,
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
