"""What a sweep is: a base config, a grid of values and seeds, expanded into validated points.

A sweep is written in YAML::

    name: lr_study
    base:                      # any run config; keys left out keep their defaults
      training: {epochs: 10000}
    grid:
      optimizer.lr: [0.001, 0.005, 0.1]
    seeds: [42]

or given on the command line with ``--grid KEY=V1,V2`` and ``--seeds 1,2,3``.
Several grid keys give their cartesian product. gdlab/record/sweep.py runs the
points; gdlab/record/sweep_files.py writes what they found.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gdlab.record.budget import Cost, check_data_size, check_points, check_sweep
from gdlab.record.build import load_data, prepare
from gdlab.record.config import (
    Config,
    ConfigError,
    all_keys,
    apply_overrides,
    build_config,
    parse_override,
    unknown_key_message,
)
from gdlab.record.runner import RunResult
from gdlab.record.yamlfiles import anchor_data_path, anchor_path, as_number, read_yaml

SWEEP_KEYS = ("name", "base", "grid", "seeds", "points")  # points: written, not read


@dataclass(frozen=True)
class Point:
    """One run of a sweep: its swept values and its validated config."""

    index: int
    values: dict[str, Any]  # swept key -> value, data.seed included when seeds are swept
    config: Config

    @property
    def label(self) -> str:
        """Folder name, e.g. ``003-lr=0.1-seed=42``."""
        parts = [f"{key.rsplit('.', 1)[-1]}={_short(value)}" for key, value in self.values.items()]
        return "-".join([f"{self.index:03d}", *parts])


def _short(value: Any) -> str:
    text = "_".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in text)


@dataclass(frozen=True)
class Sweep:
    """A resolved sweep: every point validated before any run starts."""

    name: str
    base: dict[str, Any]  # as written, with --set applied; each point's config is complete
    grid: dict[str, list[Any]]
    seeds: list[int] | None
    points: list[Point]

    def to_dict(self) -> dict[str, Any]:
        """What sweep.yaml holds: enough to rerun the sweep."""
        return {
            "name": self.name,
            "base": self.base,
            "grid": self.grid,
            "seeds": self.seeds,
            "points": [{"label": p.label, **p.values} for p in self.points],
        }


def load_sweep(
    path: Path | None,
    grid_items: Iterable[str] = (),
    seeds: str | None = None,
    overrides: Iterable[str] = (),
    name: str | None = None,
) -> Sweep:
    """Read a sweep (or a plain run config as its base) and expand and validate every point."""
    origin = "defaults" if path is None else str(path)
    raw = {} if path is None else read_yaml(path) or {}
    if not isinstance(raw, Mapping):
        raise ConfigError(origin, "expected a mapping, e.g. 'grid:' and 'base:'")
    # A file with any sweep key is a sweep; any other file is a run config used as the base.
    is_sweep_file = any(key in raw for key in SWEEP_KEYS)
    if is_sweep_file:
        for key in raw:
            if key not in SWEEP_KEYS:
                raise ConfigError(origin, unknown_key_message(str(key), SWEEP_KEYS))
    base_raw = (raw.get("base") or {}) if is_sweep_file else raw
    grid = _check_grid((raw.get("grid") or {}) if is_sweep_file else {}, f"{origin}: grid")
    if path is not None:  # paths written in the file are relative to the file
        base_raw = (
            anchor_data_path(base_raw, path.parent) if isinstance(base_raw, Mapping) else base_raw
        )
        if "data.path" in grid:
            grid["data.path"] = [anchor_path(v, path.parent) for v in grid["data.path"]]
    given: dict[str, str] = {}
    for item in grid_items:
        key, values = parse_grid(item)
        if key in given:
            raise ConfigError(
                f"--grid {item!r}", f"{key} is already swept by --grid {given[key]!r}: give it once"
            )
        given[key] = item
        grid.update(_check_grid({key: values}, f"--grid {item!r}"))
    seed_list = _check_seeds(raw.get("seeds") if is_sweep_file else None, f"{origin}: seeds")
    if seeds is not None:
        seed_list = _check_seeds(_parse_list(seeds, "--seeds"), "--seeds")
    origins: dict[str, str] = {}
    base_raw = apply_overrides(
        base_raw, [(*parse_override(s), "--set") for s in overrides], origins
    )
    # The base alone may be incomplete (a CSV sweep can take data.path from its grid):
    # what must be valid is every point, and every point is built and checked here.
    count = math.prod(len(values) for values in grid.values()) * len(seed_list or [None])
    check_points(count, origin)
    points = list(_expand(base_raw, origins, origin, grid, seed_list))
    sweep_name = name or str(raw.get("name") or (path.stem if path else "sweep"))
    return Sweep(sweep_name, dict(base_raw), grid, seed_list, points)


def _expand(
    base_raw: Mapping[str, Any],
    origins: Mapping[str, str],
    origin: str,
    grid: dict[str, list[Any]],
    seeds: list[int] | None,
) -> Iterable[Point]:
    axes = dict(grid)
    if seeds is not None:
        axes["data.seed"] = list(seeds)
    keys = list(axes)
    for index, combo in enumerate(itertools.product(*axes.values()), start=1):
        values = dict(zip(keys, combo, strict=True))
        point_origins = dict(origins)
        where = f"{origin}: grid point {index}"
        items = [(key, value, where) for key, value in values.items()]
        config = build_config(
            apply_overrides(base_raw, items, point_origins), point_origins, origin
        )
        yield Point(index, values, config)


def parse_grid(item: str) -> tuple[str, list[Any]]:
    """Split ``KEY=V1,V2,...`` into the key and its values, each read as YAML."""
    key, sep, text = item.partition("=")
    if not sep or not key.strip() or not text.strip():
        raise ConfigError(
            f"--grid {item!r}", "expected KEY=V1,V2,..., e.g. optimizer.lr=0.001,0.01"
        )
    return key.strip(), _parse_list(text, f"--grid {item!r}")


def _parse_list(text: str, where: str) -> list[Any]:
    try:
        values = yaml.safe_load(f"[{text}]")
    except yaml.YAMLError:
        raise ConfigError(where, f"{text!r} is not a comma-separated list of values") from None
    return list(values)


def _check_grid(grid: Any, where: str) -> dict[str, list[Any]]:
    if not isinstance(grid, Mapping):
        raise ConfigError(where, "expected a mapping of KEY: [values]")
    known = all_keys()
    checked = {}
    for key, values in grid.items():
        if key not in known:
            raise ConfigError(where, unknown_key_message(str(key), known))
        if not isinstance(values, list) or not values:
            raise ConfigError(where, "expected a non-empty list of values", str(key), values)
        checked[str(key)] = [as_number(v) for v in values]
    return checked


def _check_seeds(seeds: Any, where: str) -> list[int] | None:
    if seeds is None:
        return None
    items = seeds if isinstance(seeds, list) else [seeds]
    if not items or not all(
        isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in items
    ):
        raise ConfigError(where, "expected whole numbers >= 0, e.g. 1,2,3", value=seeds)
    return list(items)


def check_data(sweep: Sweep, results: Path) -> Cost:
    """Read every distinct CSV the points use and estimate the sweep's cost, refusing what
    cannot be done (bad data, more memory or disk than there is) before the sweep starts."""
    n_samples: dict[tuple[Any, ...], int] = {}
    for point in sweep.points:
        key = _data_key(point.config)
        if point.config.data.source == "synthetic":
            check_data_size(point.config, f"grid point {point.index}")
            n_samples[key] = point.config.data.n_samples
        elif key not in n_samples:
            n_samples[key] = len(prepare(point.config, *load_data(point.config)).y)
    sized = [(p.config, n_samples[_data_key(p.config)]) for p in sweep.points]
    return check_sweep(sized, results, f"sweep {sweep.name}")


def _data_key(config: Config) -> tuple[Any, ...]:
    d = config.data
    return (d.source, d.path, d.x_columns, d.y_column, d.standardize, d.n_samples)


@dataclass
class PointResult:
    """How one point ended: its run, or the error that stopped it."""

    point: Point
    run: RunResult | None = None
    error: str | None = None
    folder: Path | None = field(default=None)

    @property
    def status(self) -> str:
        """The run's status, or ``failed``."""
        return "failed" if self.run is None else str(self.run.summary["status"])
