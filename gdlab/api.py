"""gdlab from Python: train, sweep and read back runs, with the history as NumPy arrays.

``gdlab.train``, ``gdlab.sweep`` and ``gdlab.load_run`` do what ``gdlab train``,
``gdlab sweep`` and reading a run folder do, without a terminal: each writes (or
reads) the same run folder and returns a :class:`Run` read back from it, so what
a notebook holds is what the folder says. Overrides go through the CLI's own
``--set`` check, with its messages. This layer sits above the record and the
figures (a run draws its figures) and below the CLI; ``import gdlab`` loads it
only when one of these names is first used.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

from gdlab.core.notation import Array
from gdlab.pages import dashboard
from gdlab.pages.explore import write_explore
from gdlab.plots.files import Drawing, draw_run_in_shares, draw_sweep, draws
from gdlab.record import catalog, cluster, readback, runner, runs, sweep_files
from gdlab.record import grid as grids
from gdlab.record import sweep as sweeps
from gdlab.record.bootstrap import importing_in_a_worker
from gdlab.record.build import load_data, prepare
from gdlab.record.cluster import LauncherName
from gdlab.record.config import Config, ConfigError, load_config
from gdlab.record.schema import flow_yaml

ConfigLike = str | os.PathLike[str] | Config | None
Overrides = Mapping[str, Any] | None


@dataclass(frozen=True, eq=False, repr=False)
class Run:
    """A finished run as its folder holds it: metrics.csv as arrays, summary.json as fields.

    Row ``i`` of the arrays is the state after ``epoch[i]`` updates; ``w`` and
    ``grad_w`` have shape ``(n_logged, n_features)``. ``summary`` is the whole of
    summary.json; the fields below are its most used keys.
    """

    path: Path
    config: Config
    summary: dict[str, Any]
    epoch: NDArray[np.int64]
    loss: Array
    w: Array
    b: Array
    grad_w: Array
    grad_b: Array
    status: str  # completed, converged, diverged or interrupted
    epochs_run: int
    lr: float
    initial_loss: float
    final_w: Array
    final_b: float
    final_loss: float
    first_inf_epoch: int | None
    first_nan_epoch: int | None
    least_squares: dict[str, Any]  # w, b, loss, standard errors... from the normal equations
    distance_to_least_squares: float
    true: dict[str, Any] | None  # the w and b synthetic data was drawn from
    theory: dict[str, Any]  # the Hessian, its eigenvalues, predicted beside observed

    def __repr__(self) -> str:
        return f"Run({str(self.path)!r}, {self.describe()})"

    def describe(self) -> str:
        """One line: how it ended, and where."""
        w = ", ".join(f"{v:.6g}" for v in self.final_w)
        return (
            f"{self.status} after {self.epochs_run:,} epochs at lr = {self.lr:g}: "
            f"w = [{w}], b = {self.final_b:.6g}, loss = {self.final_loss:.6g}"
        )


@dataclass(frozen=True, eq=False, repr=False)
class SweepResult:
    """A finished sweep: its points' runs, in order, and its table (sweep.csv's rows).

    A point that failed has no run; its row in ``table`` says why.
    """

    path: Path
    name: str
    runs: list[Run]
    table: list[dict[str, Any]]

    def __repr__(self) -> str:
        lines = [f"SweepResult({str(self.path)!r}, {len(self.table)} points)"]
        by_folder = {run.path.name: run for run in self.runs}
        for row in self.table:
            folder = row.get("folder")
            label = Path(str(folder)).name if folder else f"point {row.get('index')}"
            run = by_folder.get(label)
            lines.append(f"  {label}: {run.describe() if run else 'failed: ' + str(row['error'])}")
        return "\n".join(lines)


def train(
    config: ConfigLike = None,
    *,
    set: Overrides = None,  # named as the CLI's --set
    name: str | None = None,
    results_dir: str | os.PathLike[str] = "results",
    plots: bool | None = None,
) -> Run:
    """Train one config into ``results_dir/runs/<UTC timestamp>-<name>`` and return its Run.

    ``config`` is a YAML file, a Config, or None for the defaults; ``set`` maps
    dotted keys to values (``{"optimizer.lr": 0.1}``), checked as ``--set`` is;
    ``plots`` sets ``output.plots`` (None: as the config says).
    Bad input raises ConfigError (a ValueError) with the CLI's message; Ctrl-C
    raises KeyboardInterrupt once the epochs done are written.
    """
    if importing_in_a_worker():  # an unguarded script, imported again by a sweep's worker
        raise SystemExit(1)
    cfg = load_config(_path(config), _set_items(config, set, plots))
    run_name = runs.check_name(name or _stem(config))
    parent = Path(results_dir)
    problem = prepare(cfg, *load_data(cfg))
    drawing = Drawing(write_explore) if draws(cfg) else None  # forked now: Matplotlib loads
    try:
        result = runner.run_experiment(
            cfg,
            parent / "runs",
            run_name,
            _command("train", config=config, set=set, name=name, plots=plots),
            ready=runner.Ready(problem),
            draw=drawing or write_explore,
            source=str(_path(config) or "the config"),  # checked there, before anything is written
        )
    finally:
        if drawing is not None:
            drawing.cancel()
    _refresh_dashboard(parent)
    if result.summary["status"] == "interrupted":  # Ctrl-C stops the caller too, as it would
        raise KeyboardInterrupt(f"interrupted; the epochs done are in {result.path}")
    return load_run(result.path)


def sweep(
    config: ConfigLike = None,
    *,
    grid: Mapping[str, Iterable[Any]] | None = None,
    seeds: Iterable[int] | int | None = None,
    set: Overrides = None,
    name: str | None = None,
    results_dir: str | os.PathLike[str] = "results",
    plots: bool | None = None,
    jobs: int | None = 1,
    launcher: LauncherName = "local",
    scheduler: str | None = None,
) -> SweepResult:
    """Run a sweep into ``results_dir/sweeps/<UTC timestamp>-<name>`` and return its runs.

    ``config`` is a sweep YAML, a run config used as the base, a Config, or None;
    ``grid`` maps dotted keys to lists of values (``{"optimizer.lr": [0.001, 0.1]}``),
    ``seeds`` repeats every point over data seeds, as ``--grid`` and ``--seeds`` do.
    ``plots=False`` draws no figure at all, the sweep's comparison figures included.
    ``jobs`` worker processes run the points (1, the default: one after another here;
    None: one per core unless the sweep is quick); the results are the same bits either
    way. Worker processes import the calling script again: from a script, call this
    under ``if __name__ == "__main__":`` (a notebook needs nothing).
    ``launcher="dask"`` hands the points to a Dask cluster instead (needs
    ``pip install 'gdlab[dask]'``): the one whose scheduler is at ``scheduler``, or one
    started here with ``jobs`` workers. Its workers write the points' folders, so they
    must see ``results_dir`` at the same path and run the same gdlab.
    """
    if importing_in_a_worker():  # an unguarded script, imported again by a sweep's worker
        raise SystemExit(1)
    grid_items = [f"{key}={_list_text(values)}" for key, values in _items(grid)]
    seed_text = None if seeds is None else _list_text(seeds)
    # A Config is the base, given key by key in the overrides; a file is read as the CLI reads it.
    overrides = _set_items(config, set, plots)
    spec = grids.load_sweep(_path(config), grid_items, seed_text, overrides, name)
    if not spec.grid and spec.seeds is None:
        raise ConfigError(
            "gdlab.sweep",
            "a sweep needs values to sweep: grid={key: [values]}, seeds=[...], or a sweep "
            "file with a grid; for one run, gdlab.train",
        )
    runs.check_name(spec.name)
    parent = Path(results_dir)
    cost = grids.check_data(spec, parent)
    # Chosen before the folder is started: a missing extra writes nothing.
    where = cluster.launcher_for(launcher, jobs, scheduler, seconds=cost.seconds)
    folder = sweep_files.start_sweep_folder(spec, parent)
    results = sweeps.run_sweep(
        spec,
        folder,
        _command("sweep", config=config, grid=grid, seeds=seeds, set=set, name=name, plots=plots),
        draw_run=draw_run_in_shares,
        draw_sweep=None if plots is False else draw_sweep,
        launcher=where,
    )
    _refresh_dashboard(parent)
    rows = sweep_files.sweep_rows(results, folder)
    finished = [load_run(r.run.path) for r in results if r.run is not None]
    return SweepResult(path=folder, name=spec.name, runs=finished, table=rows)


def _refresh_dashboard(results_dir: Path) -> None:
    """results_dir/index.html, as the CLI rewrites it; a warning, never an error, if it can't be."""
    why = dashboard.refresh(results_dir)
    if why:
        warnings.warn(why, RuntimeWarning, stacklevel=3)


def load_run(path: str | os.PathLike[str], results_dir: str | os.PathLike[str] = "results") -> Run:
    """A finished run read back from its folder (or from a unique prefix of its id)."""
    folder, kind = catalog.resolve(Path(results_dir), os.fspath(path), ("run", "sweep"))
    if kind == "sweep":
        raise catalog.RunRefError(
            f"{folder} is a sweep, not a run: its points are runs, in {folder / 'runs'}"
        )
    result = readback.load_result(folder)
    config = load_config(folder / "config.yaml")
    s, h = result.summary, result.history
    return Run(
        path=folder,
        config=config,
        summary=s,
        epoch=h.epoch,
        loss=h.loss,
        w=h.w,
        b=h.b,
        grad_w=h.grad_w,
        grad_b=h.grad_b,
        status=s["status"],
        epochs_run=s["epochs_run"],
        lr=s["lr"],
        initial_loss=float(s["initial_loss"]),
        final_w=np.array([float(v) for v in s["final"]["w"]]),
        final_b=float(s["final"]["b"]),
        final_loss=float(s["final"]["loss"]),
        first_inf_epoch=s["first_inf_epoch"],
        first_nan_epoch=s["first_nan_epoch"],
        least_squares=s["least_squares"],
        distance_to_least_squares=float(s["distance_to_least_squares"]),
        true=s["true"],
        theory=s["theory"],
    )


def _path(config: ConfigLike) -> Path | None:
    return None if config is None or isinstance(config, Config) else Path(config)


def _stem(config: ConfigLike) -> str:
    path = _path(config)
    return path.stem if path is not None else "default"


def _items(mapping: Mapping[str, Any] | None) -> list[tuple[str, Any]]:
    if mapping is None:
        return []
    if not isinstance(mapping, Mapping):
        raise TypeError(
            f"expected a mapping of dotted keys to values, e.g. {{'optimizer.lr': 0.1}}, "
            f"got {type(mapping).__name__}"
        )
    return list(mapping.items())


def _set_items(config: ConfigLike, overrides: Overrides, plots: bool | None) -> list[str]:
    """Everything as ``--set KEY=VALUE`` text, so it meets the CLI's check and messages.

    A Config given as the config comes first, key by key; then ``set``; then ``plots``.
    """
    items = catalog.flatten(config.to_dict()) if isinstance(config, Config) else {}
    pairs = [*items.items(), *_items(overrides)]
    if plots is not None:
        pairs.append(("output.plots", plots))
    return [f"{key}={_yaml_text(key, value)}" for key, value in pairs]


def _yaml_text(key: str, value: Any) -> str:
    try:
        return flow_yaml(_plain(value))
    except yaml.YAMLError:
        raise ConfigError(
            f"--set {key}", f"{value!r}: expected a number, string, bool, None or a list of them"
        ) from None


def _plain(value: Any) -> Any:
    """NumPy numbers and arrays as Python ones, so YAML can write them."""
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _list_text(values: Any) -> str:
    """Values as the CLI's ``V1,V2,...`` (``--grid``, ``--seeds``); one value stands alone."""
    text = flow_yaml(_plain(values))
    return text[1:-1] if isinstance(_plain(values), list) else text


def _command(what: str, **given: Any) -> list[str]:
    """meta.json's command: the program's command line, then the call that made the run."""
    shown = ", ".join(
        f"{key}={'<Config>' if isinstance(value, Config) else repr(value)}"
        for key, value in given.items()
        if value is not None
    )
    return [*runs.python_argv(), f"gdlab.{what}({shown})"]
