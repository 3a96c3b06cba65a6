"""eigenmodes.png: the error along each eigenvector of the Hessian per epoch, measured
from the run (solid) beside what theory predicts for its optimizer (dashed).

Along eigenvector v_i the error c_i = v_i^T (theta - theta*) of plain gradient descent
shrinks by |1 - lr lambda_i| every epoch: a straight line on a log axis, whose slope
says how fast that direction learns (gdlab/core/modes.py has the formulas, momentum's too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import NDArray

from gdlab.core.decay import ridge_offsets
from gdlab.core.modes import mode_errors
from gdlab.core.notation import Array, param_names
from gdlab.core.scheduled import log_products
from gdlab.core.theory import Analysis
from gdlab.core.train import History
from gdlab.plots.common import fixed_figure, log_axis, log_limits
from gdlab.record.build import scheduled_rates
from gdlab.record.rules import is_full_batch
from gdlab.record.schema import Config

MOST_POINTS = 1000  # drawn per line (see _envelope)
LEGEND_INSIDE = 4  # eigenvectors whose legend fits inside the axes; more get it beside them
LEGEND_WIDTH = 4.6  # inches added on the right for a legend beside the axes
TOL_STYLE = {"color": "tab:gray", "linestyle": ":", "linewidth": 1.5}


@dataclass(frozen=True)
class Rule:
    """The update rule as the prediction reads it: torch's SGD, full batch, with its weight
    decay (the bowl of H + wd I, walked to the ridge optimum) and, for plain descent, its
    schedule's rate at every epoch."""

    lr: float
    momentum: float = 0.0
    dampening: float = 0.0
    nesterov: bool = False
    weight_decay: float = 0.0
    rates: Array | None = None  # lr_0, lr_1, ... of a schedule


def predictable_rule(config: Config, n_samples: int) -> Rule | None:
    """The rule mode_errors predicts for this run; None when the theory does not cover it."""
    o = config.optimizer
    if o.name not in ("gd", "momentum") or not is_full_batch(config, n_samples):
        return None
    rates = scheduled_rates(config, config.training.epochs)
    if rates is not None and (o.momentum or o.weight_decay):
        return None  # a schedule is predicted for plain descent alone
    return Rule(o.lr, o.momentum or 0.0, o.dampening, o.nesterov, o.weight_decay or 0.0, rates)


@dataclass(frozen=True)
class Modes:
    """What the figure draws, one column per eigenvector: c_i(k) measured and predicted."""

    epoch: NDArray[np.int64]
    measured: Array  # shape (n_logged, p), signed
    predicted: Array | None  # likewise; None when the theory does not cover the run
    floor: Array  # eps max(||theta_k||, ||theta*||): float64 resolves no smaller error


def eigenmodes_figure(
    history: History, analysis: Analysis, config: Config, rule: Rule | None, units: str = ""
) -> Figure:
    """|v_i^T (theta_k - theta*)| per logged epoch (solid), each eigenvector its colour,
    with the prediction for ``rule`` dashed, the tolerance theory.tol dotted and float64's
    rounding floor shaded. When the fast directions are done early, a second panel
    shows those first epochs."""
    with np.errstate(all="ignore"):  # a diverged run's numbers overflow: that is its picture
        modes = _modes(history, analysis, rule)
    frame = _frame(modes, config.theory.tol)
    zoom = _zoom_end(modes)
    height = 8.6 if zoom else 5.6
    aside = LEGEND_WIDTH if modes.measured.shape[1] > LEGEND_INSIDE else 0.0
    fig = fixed_figure(8 + aside, height, right=0.25 + aside)
    fig.subplots_adjust(top=1 - 0.7 / height)  # room for two lines of title
    axes = fig.subplots(2 if zoom else 1, 1, squeeze=False)[:, 0]
    labels = _labels(analysis, rule)
    ends = [int(modes.epoch[-1]), *([zoom] if zoom else [])]
    for ax, end in zip(axes, ends, strict=True):
        _panel(ax, modes, labels, frame, config.theory.tol, end)
    if zoom:
        axes[1].set_title(f"zoomed in: the first {zoom:,} epochs", fontsize="small", y=1.0)
    _titles(fig, axes[0], history, config, rule, units)
    _legend(axes[0], modes.predicted is not None, outside=aside > 0)
    return fig


def _modes(history: History, analysis: Analysis, rule: Rule | None) -> Modes:
    """The run's error in the eigenvectors' coordinates, and the prediction from its epoch 0."""
    thetas = analysis.stack(history.w, history.b[:, None])
    measured = (thetas - analysis.theta_ls) @ analysis.eigenvectors  # row 0 is epoch 0
    predicted = None
    if rule is not None:
        lam, wd = analysis.eigenvalues, rule.weight_decay
        d = ridge_offsets(lam, analysis.eigenvectors, analysis.theta_ls, wd)  # 0 without decay
        c0 = measured[0] - d  # from the ridge optimum, where decay walks to
        if rule.rates is not None:  # the factors of the epochs multiply (core/scheduled.py)
            log_size, sign = log_products(lam, rule.rates)
            predicted = (c0 * sign * np.exp(log_size))[history.epoch]
        else:
            settings = (rule.momentum, rule.dampening, rule.nesterov)
            predicted = d + mode_errors(lam + wd, c0, rule.lr, history.epoch, *settings)
    floor = np.maximum(_rounding(thetas), _rounding(analysis.theta_ls[None, :]))
    return Modes(history.epoch, measured, predicted, floor)


def _rounding(thetas: Array) -> Array:
    """eps ||theta_k|| per row: float64 resolves no finer an error; scaled by the largest
    |theta_j| so that it overflows only with theta itself (a diverging run's 1e200 squared)."""
    big = np.max(np.abs(thetas), axis=1)
    safe = np.where((big > 0) & np.isfinite(big), big, 1.0)
    size = np.where(big > 0, big * np.sqrt(np.sum((thetas / safe[:, None]) ** 2, axis=1)), 0.0)
    return np.asarray(np.finfo(np.float64).eps * size, dtype=np.float64)


def _frame(modes: Modes, tol: float) -> tuple[float, float]:
    """Log limits around the measurements, cut a little below the rounding floor (noise)."""
    bottom, top = log_limits(np.abs(modes.measured).ravel(), tol)
    floor = modes.floor[np.isfinite(modes.floor) & (modes.floor > 0)]
    if floor.size:
        bottom = max(bottom, float(floor.min()) / 30)
    return bottom, top


def _zoom_end(modes: Modes) -> int | None:
    """An end for a panel of the first epochs: half again the epoch the first direction
    reaches the rounding floor, when that is early in a run that converges (None otherwise)."""
    size = np.abs(modes.measured)
    with np.errstate(invalid="ignore"):
        if not np.all(size[-1] <= size[0] + modes.floor[-1]):  # a direction grows: no zoom
            return None
        done = size <= 4 * modes.floor[:, None]
    reached = [int(modes.epoch[np.argmax(col)]) for col in done.T if col.any()]
    last = int(modes.epoch[-1])
    if not reached or min(reached) == 0 or 1.5 * min(reached) > 0.25 * last:
        return None
    return int(np.ceil(1.5 * min(reached)))


def _panel(
    ax: Axes, modes: Modes, labels: list[str], frame: tuple[float, float], tol: float, end: int
) -> None:
    """Measured solid, predicted dashed black on top, tolerance dotted, rounding shaded;
    epochs 0 to ``end``."""
    bottom, top = frame
    shown = modes.epoch <= end
    epoch = modes.epoch[shown]
    colours = _colours(len(labels))
    for i, label in enumerate(labels):
        measured = _clipped(modes.measured[shown, i], frame)
        _line(ax, epoch, measured, color=colours[i], linewidth=2.2, alpha=0.8, label=label)
        if modes.predicted is not None:
            guess = _clipped(modes.predicted[shown, i], frame)
            _line(ax, epoch, guess, color="black", linestyle="--", linewidth=1.0)
    if modes.predicted is not None:  # one legend entry for every dashed line
        ax.plot([], [], color="black", linestyle="--", linewidth=1.0, label="predicted")
    ax.axhline(tol, **TOL_STYLE, label=f"theory.tol = {tol:g}")  # type: ignore[arg-type]
    floor = _clipped(modes.floor[shown], frame)
    rows = _envelope(floor)
    label = "float64 rounding: ε·max(‖θ‖, ‖θ_ls‖)"
    ax.fill_between(epoch[rows], bottom / 10, floor[rows], color="0.88", zorder=0, label=label)
    log_axis(ax, "y")
    ax.set_ylim(bottom, top)
    ax.set_xlim(0, max(end, 1))
    ax.set_xlabel("epoch")
    ax.set_ylabel("|v_iᵀ(θ − θ_ls)|, log scale")
    ax.grid(alpha=0.3, which="major")


def _line(ax: Axes, epoch: NDArray[np.int64], values: Array, **style: Any) -> None:
    rows = _envelope(values)
    ax.plot(epoch[rows], values[rows], **style)


def _envelope(values: Array, most: int = MOST_POINTS) -> NDArray[np.intp]:
    """Rows that keep a long line's look: each bucket's lowest and highest, in order.

    A 10,000-epoch run's curves drawn point by point cost more than the rest of the
    figure; a line through every bucket's extremes looks the same (as a stride would
    not: momentum's oscillations would alias).
    """
    n = values.size
    if n <= most:
        return np.arange(n)
    size = -(-2 * n // most)  # rows per bucket, rounded up
    blocks = np.pad(values, (0, -n % size), mode="edge").reshape(-1, size)
    base = np.arange(blocks.shape[0]) * size
    picked = [base + blocks.argmin(axis=1), base + blocks.argmax(axis=1), [0, n - 1]]
    return np.unique(np.minimum(np.concatenate(picked), n - 1))


def _clipped(values: Array, frame: tuple[float, float]) -> Array:
    """|values| kept just past the frame: 0 (underflow) leaves it at the bottom, inf and
    nan (overflow) at the top, so a line runs off the edge instead of ending short of it."""
    size = np.abs(values)
    size = np.where(np.isnan(size), np.inf, size)
    return np.clip(size, frame[0] / 10, frame[1] * 10)


def _colours(p: int) -> list[tuple[float, ...]]:
    """One colour per eigenvector: tab10's while they last, else a ramp from slow to fast."""
    if p <= 10:
        return [tuple(c) for c in matplotlib.colormaps["tab10"].colors[:p]]  # type: ignore[attr-defined]
    return [tuple(c) for c in matplotlib.colormaps["viridis"](np.linspace(0, 0.9, p))]


def _labels(analysis: Analysis, rule: Rule | None) -> list[str]:
    """ "v1, λ = 0.465, 98% b": each eigenvector, its curvature and the parameter it mostly moves
    (the share is the squared component of the unit vector); for plain descent its factor."""
    p = analysis.eigenvalues.size
    names = param_names(p - int(analysis.intercept), analysis.intercept)
    return [_label(i, analysis, names, rule) for i in range(analysis.eigenvalues.size)]


def _label(i: int, analysis: Analysis, names: list[str], rule: Rule | None) -> str:
    lam, shares = float(analysis.eigenvalues[i]), analysis.eigenvectors[:, i] ** 2
    order = np.argsort(shares)[::-1]
    parts = [f"{shares[j]:.0%} {names[j]}" for j in order[:2] if shares[j] >= 0.05]
    mostly = parts[0] if shares[order[0]] >= 0.9 else " + ".join(parts)
    label = f"v{i + 1}, λ = {lam:.3g}, {mostly}"
    if rule is not None and not rule.momentum and rule.rates is None:
        step = rule.lr * (lam + rule.weight_decay)  # within 1e-4 of 1: what it lacks of 1
        shown = f"(1 − {step:.2g})" if 0 < step < 1e-4 else f"{abs(1 - step):.4g}"
        label += f": × {shown} per epoch"
    return label


def _titles(
    fig: Figure, ax: Axes, history: History, config: Config, rule: Rule | None, units: str
) -> None:
    """What ran (optimizer, lr, β) on top; what the dashed lines are, or why there are none."""
    o = config.optimizer
    setting = f"{o.name}, lr = {o.lr:g}"
    if o.momentum:
        setting += f", β = {o.momentum:g}" + (", Nesterov" if o.nesterov else "")
        setting += f", dampening {o.dampening:g}" if o.dampening else ""
    if rule is None:
        how = "measured only: the prediction covers full-batch gd and momentum"
    elif rule.momentum:
        how = "dashed: predicted by iterating momentum's 2×2 system (c_i, buf_i) per eigenvector"
    elif rule.rates is not None:
        how = "dashed: predicted |c_i(0)|·∏ₜ|1 − lrₜ·λ_i| over the schedule's rates"
    else:
        how = "dashed: predicted |c_i(0)|·|1 − lr·λ_i|^k"
    if rule is not None and rule.weight_decay:
        how += f", λ_i + wd with wd = {rule.weight_decay:g}, from the ridge optimum"
    # y given: Matplotlib then skips measuring the tick labels to place it (0.1 s a figure)
    ax.set_title(how, fontsize="small", y=1.0)
    fig.suptitle(f"Error along each eigenvector: {setting}: {history.status}{units}")


def _legend(ax: Axes, with_prediction: bool, outside: bool) -> None:
    """One entry per eigenvector, then the styles; beside the axes when they are many."""
    title = "solid: measured from the run" + (", dashed: predicted" if with_prediction else "")
    where = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0)} if outside else {"loc": "best"}
    ax.legend(fontsize="small", title=title, title_fontsize="small", **where)
