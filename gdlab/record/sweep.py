"""Sweeps: expand a grid of config values into runs, run them all, collect the results.

A sweep is a base config, a grid (dotted key -> list of values; several keys
give their cartesian product) and optionally a list of data seeds that every
grid point is repeated over. It is written in YAML::

    name: lr_study
    base:                      # any run config; keys left out keep their defaults
      training: {epochs: 10000}
    grid:
      optimizer.lr: [0.001, 0.005, 0.1]
    seeds: [42]

or given on the command line with ``--grid KEY=V1,V2`` and ``--seeds 1,2,3``.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gdlab.core.batch import can_batch, train_together
from gdlab.core.train import History
from gdlab.record import runs
from gdlab.record.config import (
    Config,
    ConfigError,
    all_keys,
    anchor_data_path,
    anchor_path,
    apply_overrides,
    build_config,
    dump_config,
    parse_override,
    read_yaml,
    unknown_key_message,
)
from gdlab.record.runner import (
    Problem,
    RunResult,
    draws,
    import_plots,
    load_data,
    load_result,
    prepare,
    run_experiment,
)
from gdlab.record.sweep_files import (
    SWEEP_PLOTS,
    disagreements,
    start_sweep_folder,
    sweep_rows,
    write_plots,
    write_table,
)

__all__ = [
    "SWEEP_PLOTS",
    "Point",
    "PointResult",
    "Sweep",
    "check_data",
    "disagreements",
    "load_sweep",
    "parse_grid",
    "run_sweep",
    "start_sweep_folder",
    "sweep_rows",
    "write_plots",
    "write_table",
]

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
    for item in grid_items:
        grid.update(_check_grid(dict([parse_grid(item)]), f"--grid {item!r}"))
    seed_list = _check_seeds(raw.get("seeds") if is_sweep_file else None, f"{origin}: seeds")
    if seeds is not None:
        seed_list = _check_seeds(_parse_list(seeds, "--seeds"), "--seeds")
    origins: dict[str, str] = {}
    base_raw = apply_overrides(
        base_raw, [(*parse_override(s), "--set") for s in overrides], origins
    )
    # The base alone may be incomplete (a CSV sweep can take data.path from its grid):
    # what must be valid is every point, and every point is built and checked here.
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
        checked[str(key)] = values
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


def check_data(sweep: Sweep) -> None:
    """Read every distinct CSV the points use, so bad data stops the sweep before it starts."""
    seen = set()
    for point in sweep.points:
        d = point.config.data
        key = (d.path, d.x_columns, d.y_column, d.standardize)
        if d.source == "csv" and key not in seen:
            seen.add(key)
            prepare(point.config, *load_data(point.config))


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


FINAL = ("completed", "converged", "diverged")


def run_sweep(
    sweep: Sweep,
    folder: Path,
    argv: list[str],
    on_point_done: Callable[[PointResult], None] | None = None,
    resume: bool = False,
    draw: bool = True,
) -> list[PointResult]:
    """Run every point into ``folder/runs/<label>``; a failing point is recorded, not raised.

    sweep.csv is rewritten after every point, so an interrupted sweep still
    lists what finished. With ``resume``, a point whose folder already holds a
    finished run of the same config is read back instead of run again; an
    unfinished folder is set aside (renamed, never deleted) and the point reruns.
    Ctrl-C stops the sweep after recording the point it interrupted. With
    ``draw``, the comparison figures are drawn from whatever finished.
    """
    folder.mkdir(parents=True, exist_ok=True)
    runs.write_json(
        folder / "summary.json", {"status": "running", "process": runs.process_record()}
    )
    results: list[PointResult] = []
    status = "completed"
    try:
        if draw or any(draws(p.config) for p in sweep.points):
            import_plots()  # once, here: each run's drawing helpers then start with it loaded
        reused = {p.label: _reuse(p, folder) if resume else None for p in sweep.points}
        prepared = train_in_batches([p for p in sweep.points if reused[p.label] is None])
        for point in sweep.points:
            result = reused[point.label]
            if result is None:
                result = _run_point(point, folder, argv, resume, prepared.get(point.label))
            results.append(result)
            write_table(folder, results)
            if on_point_done is not None:
                on_point_done(result)
            if result.status == "interrupted":
                status = "interrupted"
                break
        if draw:
            write_plots(folder, results)
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        if status == "completed" and any(r.status == "failed" for r in results):
            status = "failed"
        record = {"status": status, "points": len(sweep.points), "finished": len(results)}
        runs.write_json(folder / "summary.json", record)
    return results


def train_in_batches(points: list[Point]) -> dict[str, tuple[Problem, History | None]]:
    """Read the data of the points that can step together and train them, one batch per shape.

    Returns each such point's data, with its history when it was trained in a
    batch (a lone point, or a batch that failed, trains alone in its own run).
    A point whose data cannot be read is left out and fails in its own run.
    """
    groups: dict[tuple[int, int], list[tuple[Point, Problem]]] = {}
    for point in points:
        if not can_batch(point.config):
            continue
        try:
            problem = prepare(point.config, *load_data(point.config))
        except ValueError:
            continue
        key = (problem.X_train.shape[1], point.config.training.log_every)
        groups.setdefault(key, []).append((point, problem))
    prepared: dict[str, tuple[Problem, History | None]] = {}
    for members in groups.values():
        histories: list[History | None] = [None] * len(members)
        if len(members) > 1:
            configs = [point.config for point, _ in members]
            # If the batch fails, each point trains alone in its own run, and fails alone.
            with contextlib.suppress(Exception):
                histories = list(train_together(configs, [(p.X_train, p.y) for _, p in members]))
        for (point, problem), history in zip(members, histories, strict=True):
            prepared[point.label] = (problem, history)
    return prepared


def _run_point(
    point: Point,
    folder: Path,
    argv: list[str],
    resume: bool,
    prepared: tuple[Problem, History | None] | None = None,
) -> PointResult:
    child = folder / "runs" / point.label
    if resume and child.exists():
        _set_aside(child)
    try:
        run = run_experiment(
            point.config, folder / "runs", point.label, argv, stamped=False, prepared=prepared
        )
        return PointResult(point, run=run, folder=run.path)
    except Exception as err:  # a sweep finishes every other point, then reports this one
        return PointResult(point, error=f"{type(err).__name__}: {err}", folder=child)


def _reuse(point: Point, folder: Path) -> PointResult | None:
    """The point's finished run read back from disk, if it is there and is the same config."""
    child = folder / "runs" / point.label
    try:
        same = (child / "config.yaml").read_text(encoding="utf-8") == dump_config(point.config)
        if not same or runs.read_json(child / "summary.json").get("status") not in FINAL:
            return None
        return PointResult(point, run=load_result(child), folder=child)
    except (OSError, ValueError, KeyError):
        return None


def _set_aside(child: Path) -> None:
    """Rename an unfinished run folder out of the way: kept for a look, never deleted."""
    for n in range(1, 1000):
        target = child.with_name(f"{child.name}.unfinished-{n}")
        if not target.exists():
            child.rename(target)
            return
