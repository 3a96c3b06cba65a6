"""A sweep over momentum's (lr, beta): observed epochs to the tolerance as a map, theory on it.

Drawn only for a sweep whose grid varies exactly ``optimizer.lr`` and
``optimizer.momentum`` of ``optimizer.name: momentum``, on one data set (every
point's eigenvalues the same). Each cell is one run, coloured by the epoch from
which it stays within ``theory.tol`` of the least-squares optimum; on it, from
the Hessian's eigenvalues alone (gdlab/core/momentum.py), the stability edge,
the critical damping of the slowest and the fastest direction, heavy ball's
optimal pair and plain descent's best rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib import colormaps, ticker
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.patheffects import withStroke
from numpy.typing import NDArray

from gdlab.core.momentum import critical_damping_lr, optimal_pair, predict_momentum
from gdlab.core.notation import Array
from gdlab.plots.common import log_axis
from gdlab.record.build import load_data, prepare
from gdlab.record.grid import PointResult
from gdlab.record.schema import Config

LR, BETA = "optimizer.lr", "optimizer.momentum"
FILE = "lr_beta_map.png"
CMAP = colormaps["viridis"]
COUNTED_ROWS, COUNTED_COLUMNS = 40, 20  # a bigger map's cells are too small for their counts
DIVERGED = ("#fbe3e3", "tab:red", "xx")  # face, hatch colour, hatch
NOT_REACHED = ("0.92", "0.45", "//")
HALO = [withStroke(linewidth=3.5, foreground="white")]  # a line that reads on any colour


@dataclass(frozen=True)
class LrBetaGrid:
    """The map's cells: row i is ``betas[i]``, column j ``lrs[j]``."""

    lrs: Array
    betas: Array
    epochs: Array  # observed epochs to tol "for good"; nan where there are none
    diverged: NDArray[np.bool_]
    not_reached: NDArray[np.bool_]  # converging, but not within tol by the last epoch
    eigenvalues: Array  # ascending, shared by every point
    config: Config  # one point's config: the data, tol, epochs and nesterov they share


def lr_beta_grid(results: Sequence[PointResult]) -> LrBetaGrid | None:
    """The cells of a momentum sweep over exactly (lr, beta) on one data set; else None."""
    finished = [r for r in results if r.run is not None]
    if not finished or any(set(r.point.values) != {LR, BETA} for r in results):
        return None
    if any(r.point.config.optimizer.name != "momentum" for r in results):
        return None
    spectra = [r.run.summary["theory"]["eigenvalues"] for r in finished if r.run is not None]
    if any(s != spectra[0] for s in spectra):
        return None  # different data: no one theory to draw
    lrs = np.array(sorted({float(r.point.values[LR]) for r in results}))
    betas = np.array(sorted({float(r.point.values[BETA]) for r in results}))
    if len(lrs) < 2 or len(betas) < 2 or lrs[0] <= 0:
        return None
    epochs = np.full((len(betas), len(lrs)), np.nan)
    diverged = np.zeros(epochs.shape, dtype=bool)
    not_reached = np.zeros(epochs.shape, dtype=bool)
    for r in finished:
        assert r.run is not None
        at = (
            np.searchsorted(betas, r.point.values[BETA]),
            np.searchsorted(lrs, r.point.values[LR]),
        )
        seen = r.run.summary["theory"]["observed"]
        diverged[at] = seen["outcome"] == "diverges" or r.run.summary["status"] == "diverged"
        if seen["epochs_to_tol"] is not None and not diverged[at]:
            epochs[at] = seen["epochs_to_tol"]
        not_reached[at] = not diverged[at] and seen["epochs_to_tol"] is None
    config = finished[0].point.config
    return LrBetaGrid(
        lrs, betas, epochs, diverged, not_reached, np.array(spectra[0], dtype=float), config
    )


@dataclass(frozen=True)
class Marks:
    """What the theory says about the sweep's data, to be drawn on the map."""

    optimal: tuple[float, float]  # heavy ball's (lr, beta), Polyak
    optimal_epochs: int | None  # predicted at that pair
    best_plain: float  # plain descent's best rate, 2 / (lambda_min + lambda_max)
    best_plain_epochs: int | None


def predicted_marks(grid: LrBetaGrid) -> Marks:
    """Heavy ball's optimal pair and plain descent's best rate, with their predicted epochs."""
    config = grid.config
    analysis = prepare(config, *load_data(config)).trained
    theta0 = analysis.stack(np.array(config.initial_w()), config.training.init_b)
    coeffs = analysis.eigenvectors.T @ (theta0 - analysis.theta_ls)

    def epochs(lr: float, beta: float) -> int | None:
        return predict_momentum(
            analysis.eigenvalues,
            analysis.eigenvectors,
            coeffs,
            lr,
            beta,
            config.theory.tol,
            False,
            (analysis.n_samples, analysis.signs),
        ).epochs_to_tol

    optimal = optimal_pair(analysis.eigenvalues)
    return Marks(optimal, epochs(*optimal), analysis.best_lr, epochs(analysis.best_lr, 0.0))


def lr_beta_figure(grid: LrBetaGrid, marks: Marks) -> Figure:
    """Observed epochs to tol over (lr, beta), the theory's lines and points drawn on it."""
    fig = Figure(figsize=(11, 7.8), layout="constrained")
    ax = fig.add_subplot()
    lr_edges = np.exp(_edges(np.log(grid.lrs)))
    beta_edges = _unspread(_edges(_spread(grid.betas)))
    norm = _norm(grid.epochs)
    mesh = ax.pcolormesh(
        lr_edges, beta_edges, np.ma.masked_invalid(grid.epochs), cmap=CMAP, norm=norm
    )
    bar = fig.colorbar(mesh, ax=ax, pad=0.01)
    bar.set_label(f"observed epochs until within tol = {grid.config.theory.tol:g} for good (log)")
    _hatch(ax, grid, lr_edges, beta_edges)
    rows, columns = grid.epochs.shape
    if rows <= COUNTED_ROWS and columns <= COUNTED_COLUMNS:  # more overlap: colour alone
        _write_counts(ax, grid, norm)
    ax.set_xlim(lr_edges[0], lr_edges[-1])
    ax.set_ylim(beta_edges[0], beta_edges[-1])
    log_axis(ax, "x")
    _beta_axis(ax, grid.betas)
    handles: list[Artist] = [*_theory_lines(ax, grid), *_points(ax, grid, marks)]
    handles += [
        _cell(DIVERGED, label="diverged"),
        _cell(NOT_REACHED, label=f"not within tol after {grid.config.training.epochs:,} epochs"),
    ]
    ax.set_xlabel("learning rate lr (log scale)")
    kind = "Nesterov" if grid.config.optimizer.nesterov else "heavy ball"
    ax.set_title(f"Momentum ({kind}): one run per cell, the theory's lines and points drawn on")
    fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=8.5, markerscale=0.6)
    return fig


def _spread(beta: Array) -> Array:
    """The beta axis's scale, -log(1 - beta): 0.9, 0.95 and 0.99 get as much room as 0 to 0.5."""
    return np.asarray(-np.log(np.maximum(1 - np.asarray(beta), 1e-6)), dtype=np.float64)


def _unspread(t: Array) -> Array:
    return np.asarray(1 - np.exp(-np.asarray(t)), dtype=np.float64)


def _edges(t: Array) -> Array:
    """Cell edges halfway between values (on the axis's scale), half a gap past the ends."""
    inner = (t[1:] + t[:-1]) / 2
    return np.concatenate([[1.5 * t[0] - 0.5 * t[1]], inner, [1.5 * t[-1] - 0.5 * t[-2]]])


def _norm(epochs: Array) -> LogNorm:
    reached = epochs[np.isfinite(epochs) & (epochs > 0)]
    if reached.size == 0:
        return LogNorm(1, 10)
    low, high = float(reached.min()), float(reached.max())
    return LogNorm(low, max(high, 1.5 * low))


def _beta_axis(ax: Axes, betas: Array) -> None:
    ax.set_yscale("function", functions=(_spread, _unspread))
    ax.yaxis.set_major_locator(ticker.FixedLocator(beta_ticks(betas)))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: beta_label(v)))
    ax.yaxis.set_minor_locator(ticker.NullLocator())
    ax.set_ylabel("momentum β (axis spaced by −log(1 − β))")


MOST_BETA_TICKS = 16  # a label's height apart at least, on the figure's 7.8 inches


def beta_ticks(betas: Array) -> list[float]:
    """The swept betas to label: the first, the last, and those between that keep a gap of
    1/MOST_BETA_TICKS of the axis from the last labelled (50 betas from 0 to 0.99 crowd
    the low end of a -log(1 - beta) axis into one black smear)."""
    spread = _spread(betas)
    gap = (spread[-1] - spread[0]) / MOST_BETA_TICKS
    ticks = [0]
    for k in range(1, len(betas)):
        if spread[k] - spread[ticks[-1]] >= gap:
            ticks.append(k)
    last = len(betas) - 1
    if ticks[-1] != last:  # the last beta is labelled, in place of a neighbour too near it
        if len(ticks) > 1 and spread[last] - spread[ticks[-1]] < gap:
            ticks.pop()
        ticks.append(last)
    return [float(betas[k]) for k in ticks]


def beta_label(beta: float) -> str:
    """beta with the digits that tell it from its neighbours: those of 1 - beta (0.97, 0.999)."""
    if beta >= 1:
        return f"{beta:g}"
    places = min(6, max(2, int(np.ceil(-np.log10(1 - beta))) + 1))
    return f"{beta:.{places}f}".rstrip("0").rstrip(".") or "0"


def _hatch(ax: Axes, grid: LrBetaGrid, lr_edges: Array, beta_edges: Array) -> None:
    """The cells with no count to colour: diverged, or not within tol in the epochs run."""
    for (i, j), _ in np.ndenumerate(grid.epochs):
        look = DIVERGED if grid.diverged[i, j] else NOT_REACHED if grid.not_reached[i, j] else None
        if look is None:
            continue
        x0, x1, y0, y1 = lr_edges[j], lr_edges[j + 1], beta_edges[i], beta_edges[i + 1]
        ax.add_patch(_cell(look, (x0, y0), x1 - x0, y1 - y0))


def _cell(
    look: tuple[str, str, str],
    corner: tuple[float, float] = (0.0, 0.0),
    width: float = 0.0,
    height: float = 0.0,
    label: str | None = None,
) -> Rectangle:
    """A hatched cell (or its legend entry): the hatch takes the edge colour."""
    face, hatch_colour, hatch = look
    return Rectangle(
        corner, width, height, facecolor=face, edgecolor=hatch_colour, hatch=hatch,
        linewidth=0, label=label,
    )  # fmt: skip


def _write_counts(ax: Axes, grid: LrBetaGrid, norm: LogNorm) -> None:
    """Each reached cell's count, dark on light cells and light on dark ones."""
    for (i, j), count in np.ndenumerate(grid.epochs):
        if not np.isfinite(count):
            continue
        red, green, blue, _ = CMAP(norm(count))
        dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
        text = f"{count / 1000:.1f}k" if count >= 1000 else f"{count:.0f}"
        ax.text(
            grid.lrs[j], grid.betas[i], text, ha="center", va="center", fontsize=7,
            color="white" if dark else "black",
        )  # fmt: skip


def _theory_lines(ax: Axes, grid: LrBetaGrid) -> list[Line2D]:
    """The stability edge and the critical damping of the slowest and fastest direction."""
    nesterov = grid.config.optimizer.nesterov
    low, high = float(grid.eigenvalues[0]), float(grid.eigenvalues[-1])
    bottom, top = _spread(np.array(ax.get_ylim()))
    beta = _unspread(np.linspace(max(bottom, 0.0), top, 400))  # no beta below 0
    edge = 2 * (1 + beta) / ((1 + 2 * beta) * high if nesterov else high)
    formula = "2(1+β)/((1+2β)λmax)" if nesterov else "2(1+β)/λmax"
    (line,) = ax.plot(edge, beta, color="tab:red", linewidth=2.4, path_effects=HALO)
    line.set_label(f"stability edge, lr = {formula}: to its right, runs diverge")
    lines = [line]
    for lam, style, which in ((low, "--", "slow"), (high, ":", "fast")):
        branches = critical_damping_lr(lam, beta, nesterov)
        for lr in branches:
            (curve,) = ax.plot(lr, beta, "k", linestyle=style, linewidth=1.8, path_effects=HALO)
        say = (
            ": above, it swings through the optimum; below, it creeps in" if which == "slow" else ""
        )
        curve.set_label(f"critical damping, {which} direction (λ = {lam:.3g}){say}")
        lines.append(curve)
    return lines


def _points(ax: Axes, grid: LrBetaGrid, marks: Marks) -> list[Line2D]:
    """Heavy ball's optimal pair (a star), plain descent's best rate, the fastest observed run."""
    lr, beta = marks.optimal
    star = ax.plot(lr, beta, "*", ms=20, mfc="gold", mec="black", zorder=5, label=_say(
        "optimal pair (Polyak)", lr, beta, marks.optimal_epochs, "predicted"
    ))  # fmt: skip
    plain = ax.plot(marks.best_plain, 0.0, "D", ms=8, mfc="white", mec="black", label=_say(
        "plain descent's best", marks.best_plain, 0.0, marks.best_plain_epochs, "predicted"
    ))  # fmt: skip
    handles = [*star, *plain]
    if np.isfinite(grid.epochs).any():
        i, j = np.unravel_index(np.nanargmin(grid.epochs), grid.epochs.shape)
        box = ax.plot(
            grid.lrs[j], grid.betas[i], "s", ms=22, mfc="none", mec="deepskyblue", mew=2.5
        )
        fastest = int(grid.epochs[i, j])
        box[0].set_label(_say("fastest run", grid.lrs[j], grid.betas[i], fastest, "observed"))
        handles += box
    return handles


def _say(what: str, lr: float, beta: float, epochs: int | None, how: str) -> str:
    count = "never within tol" if epochs is None else f"{epochs:,} epochs"
    return f"{what}: lr {lr:.3g}, β {beta:.3g}, {count} {how}"
