"""The figures of a run folder and of a sweep folder, each written atomically.

The record layer calls these through its ``draw`` callbacks (gdlab/record/runner.py),
so it never imports Matplotlib itself. :class:`Drawing` shares a run's figures
between two forked helper processes (gdlab/plots/helpers.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from gdlab.core.train import History
from gdlab.plots.helpers import HelperFailed, Helpers
from gdlab.record import runs
from gdlab.record.build import Problem
from gdlab.record.grid import PointResult
from gdlab.record.runner import (
    DrawRun,
    FiguresInterrupted,
    FiguresMissing,
    describe_error,
)
from gdlab.record.schema import Config

SWEEP_FIGURES = ("loss_curves.png", "trajectories.png", "distance_vs_lr.png")

# Processes that draw a run's figures side by side; `make bench` measures what two gain.
DRAWING_SHARES = 2


class Drawing:
    """A ``draw`` callback whose helpers are forked now, before training.

    They import Matplotlib while the run trains; when called with the finished
    run, they draw its figures in DRAWING_SHARES processes. Call :meth:`cancel`
    when done (it stops helpers that were never given a run).
    """

    def __init__(self, meanwhile: DrawRun | None = None) -> None:
        self.helpers = Helpers(DRAWING_SHARES, warm=import_figures, job=_draw_share)
        self.meanwhile = meanwhile  # written here while the helpers draw (a run's page)

    def __call__(self, folder: Path, config: Config, problem: Problem, history: History) -> None:
        also = (
            None
            if self.meanwhile is None
            else partial(self.meanwhile, folder, config, problem, history)
        )
        with _saying_what_is_missing(folder, config, problem.X.shape[1]):
            try:
                self.helpers.finish((folder, config, problem, history), also)
            except KeyboardInterrupt:
                self.helpers.cancel()  # they have the run: wait for their figures, whole
                raise

    def cancel(self) -> None:
        """Stop the helpers, or wait for them if they are drawing (nothing is left half-written)."""
        self.helpers.cancel()


def draws(config: Config) -> bool:
    """Whether a run of this config draws any figure."""
    return config.output.plots or config.output.animate


def draw_run_in_shares(
    folder: Path,
    config: Config,
    problem: Problem,
    history: History,
    meanwhile: DrawRun | None = None,
) -> None:
    """A ``draw`` callback for runs already trained (a sweep's): helpers forked at once.

    ``meanwhile`` is written whether or not the config draws figures (a run's page).
    """
    if not draws(config):
        if meanwhile is not None:
            meanwhile(folder, config, problem, history)
        return
    import_figures()  # once per process: every helper forked from here starts with it
    Drawing(meanwhile)(folder, config, problem, history)


def figure_names(config: Config, n_features: int) -> list[str]:
    """The figures a run of this config draws, in the order they are drawn.

    The loss surface over (w, b) needs one feature and a b that is learned; every run
    gets its eigenmodes (the error along each eigenvector of the Hessian).
    """
    one_feature = n_features == 1
    names = ["evolution.gif"] if config.output.animate and one_feature else []
    if config.output.plots:
        names += ["fit.png", "loss.png", "params.png"]
        names += ["contour.png"] if one_feature and config.model.intercept else []
        names += ["evolution.png"] if one_feature else []
        names += ["eigenmodes.png"]
    return names


@contextmanager
def _saying_what_is_missing(folder: Path, config: Config, n_features: int) -> Iterator[None]:
    """Turn a failure or an interrupt while drawing into one that names the missing figures."""
    try:
        yield
    except BaseException as err:
        names = figure_names(config, n_features)
        missing = [name for name in names if not (folder / name).exists()]
        if isinstance(err, FiguresMissing):  # the page, written here meanwhile, says its own
            raise FiguresMissing([*missing, *err.missing], err.reason) from err
        if isinstance(err, Exception):
            reason = str(err) if isinstance(err, HelperFailed) else describe_error(err)
            raise FiguresMissing(missing, reason) from err
        raise FiguresInterrupted(missing) from err


def import_figures() -> None:
    """Import the figure code and Matplotlib: about half a second, so only when drawing."""
    import gdlab.plots.surface  # noqa: F401


def _draw_share(share: int, shares: int, payload: tuple[Path, Config, Problem, History]) -> None:
    draw_run(*payload, share=(share, shares))


def draw_run(
    folder: Path,
    config: Config,
    problem: Problem,
    history: History,
    share: tuple[int, int] = (0, 1),
) -> None:
    """Draw a run's figures into its folder; contour and evolution need one feature,
    eigenmodes.png draws every run's.

    ``share = (k, n)`` draws only every n-th figure from the k-th, so n processes
    can share the work.
    """
    # A diverged run's numbers overflow while being drawn: that is its picture, not a warning.
    with _saying_what_is_missing(folder, config, problem.X.shape[1]), np.errstate(all="ignore"):
        _draw_run(folder, config, problem, history, share)


def _draw_run(
    folder: Path,
    config: Config,
    problem: Problem,
    history: History,
    share: tuple[int, int],
) -> None:
    from gdlab.plots import surface  # Matplotlib: only when there is something to draw

    X, y = problem.X, problem.y
    # File name -> what writes it to a path; drawn one at a time, saved, and let go.
    outputs: dict[str, Callable[[Path], None]] = {}
    if config.output.animate and X.shape[1] == 1:  # the slowest first: its share is lighter
        outputs["evolution.gif"] = partial(
            surface.write_evolution_gif, X, y, history, problem.scaling
        )
    if config.output.plots:
        figures = _run_figures(config, problem, history)
        outputs.update({name: partial(_save_png, draw) for name, draw in figures.items()})
    first, step = share
    for name in list(outputs)[first::step]:
        write = outputs[name]
        with runs.atomic_target(folder / name) as tmp:
            write(tmp)


def _run_figures(
    config: Config, problem: Problem, history: History
) -> dict[str, Callable[[], Any]]:
    """The PNG figures of a run (figure_names' order), each a callable that draws it."""
    from gdlab.plots import modes, run, surface
    from gdlab.plots.common import Truth

    lr, scaling, X, y = config.optimizer.lr, problem.scaling, problem.X, problem.y
    ls_trained, ls_original = problem.trained.ls, problem.original.ls
    truth, truth_trained = None, None
    if config.data.source == "synthetic":
        truth = Truth(w=np.asarray(config.data.true_w), b=config.data.true_b)
        truth_trained = Truth(*scaling.to_scaled(truth.w, truth.b))
    units = "" if scaling.is_identity else " (standardized x)"
    fitted = scaling.to_original(history.final_w, history.final_b)
    noise_variance = (config.data.noise_std**2 or None) if truth is not None else None
    title = f"Fit after {history.epochs_run:,} epochs at lr = {lr:g}"
    figures: dict[str, Callable[[], Any]] = {
        "fit.png": lambda: run.fit_figure(
            X, y, fitted, ls_original, truth, title, config.model.degree
        ),
        "loss.png": lambda: run.loss_figure(history, lr, noise_variance),
        "params.png": lambda: run.params_figure(history, ls_trained, truth_trained, lr, units),
    }
    if X.shape[1] == 1 and config.model.intercept:
        figures["contour.png"] = lambda: surface.contour_figure(
            problem.X_train, y, history, ls_trained, truth_trained, lr, units
        )
    if X.shape[1] == 1:
        figures["evolution.png"] = lambda: surface.evolution_figure(X, y, history, scaling, lr)
    rule = modes.predictable_rule(config, X.shape[0])
    figures["eigenmodes.png"] = lambda: modes.eigenmodes_figure(
        history, problem.trained, config, rule, units
    )
    return figures


def draw_sweep(folder: Path, results: Sequence[PointResult]) -> None:
    """Draw the sweep's comparison figures from the points that ran."""
    from gdlab.plots import distance, lrbeta, sweep

    finished = [
        sweep.SweepRun(r.point.values, r.run.history, r.run.summary)
        for r in results
        if r.run is not None
    ]
    if not finished:
        return
    drawers = (sweep.loss_curves_figure, sweep.trajectories_figure, distance.distance_figure)
    for name, draw in zip(SWEEP_FIGURES, drawers, strict=True):
        with runs.atomic_target(folder / name) as tmp:
            _save_png(partial(draw, finished), tmp)
    grid = lrbeta.lr_beta_grid(results)  # a momentum sweep over exactly (lr, beta)
    if grid is not None:
        with runs.atomic_target(folder / lrbeta.FILE) as tmp:
            _save_png(partial(lrbeta.lr_beta_figure, grid, lrbeta.predicted_marks(grid)), tmp)


def _save_png(draw: Callable[[], Any], to: Path) -> None:
    from gdlab.plots.common import save_png

    save_png(draw(), to)
