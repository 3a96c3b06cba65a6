"""Figures of a run: the fit, the loss and the parameters per epoch."""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory
from numpy.typing import NDArray

from gdlab.core.data import polynomial_features
from gdlab.core.lstsq import LeastSquares
from gdlab.core.notation import Array, feature_names
from gdlab.core.train import History
from gdlab.plots.common import (
    INF_STYLE,
    LS_STYLE,
    NAN_STYLE,
    TRUE_STYLE,
    Truth,
    epoch_axis,
    first_above,
    fixed_figure,
    log_axis,
    log_limits,
    loss_frame,
    short_ticks,
)


def fit_figure(
    X: Array,
    y: Array,
    fitted: tuple[Array, float],
    ls: LeastSquares,
    truth: Truth | None,
    title: str,
    degree: int = 1,
) -> Figure:
    """The data with the learned, least-squares and true lines (predicted vs actual if d > 1;
    for a polynomial, its curves over x)."""
    fig = fixed_figure(7, 5)
    ax = fig.add_subplot()
    w, b = fitted
    finite = bool(np.all(np.isfinite(w)) and np.isfinite(b))
    if degree > 1:
        _polynomial_panel(ax, X[:, 0], y, fitted if finite else None, ls, truth, degree)
    elif X.shape[1] == 1:
        x = X[:, 0]
        ax.scatter(x, y, s=14, alpha=0.6, color="tab:blue", label="data")
        grid = np.linspace(x.min(), x.max(), 2)
        if finite:
            ax.plot(
                grid,
                w[0] * grid + b,
                color="tab:orange",
                linewidth=2.5,
                label=f"learned: y = {w[0]:.4g}x + {b:.4g}",
            )
        ax.plot(
            grid,
            ls.w[0] * grid + ls.b,
            **LS_STYLE,
            label=f"least squares: y = {ls.w[0]:.4g}x + {ls.b:.4g}",
        )
        if truth is not None:
            ax.plot(
                grid,
                truth.w[0] * grid + truth.b,
                **TRUE_STYLE,
                label=f"true: y = {truth.w[0]:.4g}x + {truth.b:.4g}",
            )
        ax.set_xlabel("x")
        ax.set_ylabel("y")
    else:
        if finite:
            ax.scatter(y, X @ w + b, s=14, alpha=0.6, color="tab:orange", label="learned")
        ax.scatter(y, X @ ls.w + ls.b, s=8, color="black", marker="x", label="least squares")
        lims = [float(y.min()), float(y.max())]
        ax.plot(lims, lims, **TRUE_STYLE, label="perfect prediction")
        ax.set_xlabel("actual y")
        ax.set_ylabel("predicted y")
    note = "" if finite else " (diverged: no finite fit to draw)"
    ax.set_title(f"{title}{note}")
    ax.legend(loc="best")
    ax.grid(alpha=0.3)
    return fig


def _polynomial_panel(
    ax: Axes,
    x: Array,
    y: Array,
    fitted: tuple[Array, float] | None,
    ls: LeastSquares,
    truth: Truth | None,
    degree: int,
) -> None:
    """y against x with the fitted polynomials y = b + w_1 x + ... + w_k x^k drawn over x."""
    ax.scatter(x, y, s=14, alpha=0.6, color="tab:blue", label="data")
    grid = np.linspace(float(x.min()), float(x.max()), 200)
    powers = polynomial_features(grid[:, None], degree)
    curves: list[tuple[str, Array, float, dict[str, object]]] = []
    if fitted is not None:
        style = {"color": "tab:orange", "linewidth": 2.5}
        curves.append(("learned", fitted[0], fitted[1], style))
    curves.append(("least squares", ls.w, ls.b, dict(LS_STYLE)))
    if truth is not None:
        curves.append(("true", truth.w, truth.b, dict(TRUE_STYLE)))
    for name, w, b, style in curves:
        ax.plot(grid, powers @ w + b, label=f"{name} (degree {degree})", **style)  # type: ignore[arg-type]
    ax.set_xlabel("x")
    ax.set_ylabel("y")


def loss_figure(history: History, lr: float, noise_variance: float | None) -> Figure:
    """Loss per epoch on a log scale, with the divergence marked when there is one."""
    fig = fixed_figure(7, 4.5)
    ax = fig.add_subplot()
    bottom, top = log_limits(history.loss, noise_variance)
    # Values past the top (up to inf) are drawn just above it, so the line leaves the axis.
    shown = np.minimum(history.loss, 10 * top)
    ax.plot(history.epoch, shown, color="tab:blue", linewidth=1.5, label="loss (MSE)")
    log_axis(ax, "y", nonpositive="mask")
    ax.set_ylim(bottom, top)
    if noise_variance:
        ax.axhline(
            noise_variance,
            color="tab:gray",
            linestyle=":",
            label=f"noise variance = {noise_variance:g}",
        )
    _mark_divergence(ax, history)
    epoch_axis(ax)
    ax.set_ylabel("loss (log scale)")
    ax.set_title(f"Loss at lr = {lr:g}: {history.status}")
    ax.legend(loc="best")
    ax.grid(alpha=0.3, which="both")
    return fig


def _mark_divergence(ax: Axes, history: History) -> None:
    if history.first_inf_epoch is not None:
        ax.axvline(
            history.first_inf_epoch,
            **INF_STYLE,
            label=f"loss = inf from epoch {history.first_inf_epoch}",
        )
    if history.first_nan_epoch is not None:
        ax.axvline(
            history.first_nan_epoch,
            **NAN_STYLE,
            label=f"loss = nan from epoch {history.first_nan_epoch}",
        )


def params_figure(
    history: History, ls: LeastSquares, truth: Truth | None, lr: float, units: str = ""
) -> Figure:
    """Each parameter per epoch, with its true and least-squares values as reference lines."""
    n_features = history.w.shape[1]
    names = feature_names("w", n_features)
    traces = [history.w[:, j] for j in range(n_features)] + [history.b]
    targets = [float(v) for v in ls.w] + [ls.b]
    truths = None if truth is None else [float(v) for v in truth.w] + [truth.b]
    fig = fixed_figure(7, 2.4 * len(traces) + 0.6)
    axes = fig.subplots(len(traces), 1, sharex=True, squeeze=False)[:, 0]
    for i, (ax, name, trace) in enumerate(zip(axes, names + ["b"], traces, strict=True)):
        ax.plot(history.epoch, trace, color="tab:orange", linewidth=1.8, label=f"{name} (learned)")
        ax.axhline(targets[i], **LS_STYLE, label=f"least squares = {targets[i]:.4g}")
        if truths is not None:
            ax.axhline(truths[i], **TRUE_STYLE, label=f"true = {truths[i]:.4g}")
        if history.status == "diverged":
            _zoom_to_escape(ax, history.epoch, trace, targets[i])
        else:
            _mark_divergence(ax, history)
            epoch_axis(ax)
        ax.set_ylabel(name)
        short_ticks(ax)
        ax.legend(loc="best", fontsize="small")
        ax.grid(alpha=0.3)
    for ax in axes[:-1]:
        ax.set_xlabel("")  # one shared epoch axis, labelled at the bottom
    if history.status == "diverged":
        axes[-1].set_xlabel("epoch")
    fig.suptitle(f"Parameters per epoch at lr = {lr:g}: {history.status}{units}")
    return fig


def _zoom_to_escape(ax: Axes, epoch: NDArray[np.int64], trace: Array, target: float) -> None:
    """Frame a diverging trace around its first few steps, up to where it leaves the frame.

    Its values span hundreds of orders of magnitude; on any scale that shows them
    all, the first steps (the zigzag that explains the divergence) are invisible.
    """
    first = trace[:8]
    half = 1.15 * float(np.max(np.abs(first[np.isfinite(first)] - target), initial=1.0))
    with np.errstate(invalid="ignore"):
        outside = np.flatnonzero(~(np.abs(trace - target) <= half))
    escape = int(epoch[outside[0]]) if outside.size else int(epoch[-1])
    ax.set_ylim(target - half, target + half)
    ax.set_xlim(0, max(escape + 2, 4))
    ax.set_title(f"zoomed in: the trace leaves this frame at epoch {escape}", fontsize="small")


def compare_figure(curves: dict[str, History]) -> Figure:
    """Several runs' loss per epoch on one log axis (`gdlab runs compare`).

    The frame fits the runs that did not grow (loss_frame); a run that leaves it
    is cut at the top edge, marked there with a triangle, and says so in the legend.
    """
    fig = fixed_figure(8, 5)
    ax = fig.add_subplot()
    bottom, top = loss_frame([h.loss for h in curves.values()])
    edge = blended_transform_factory(ax.transData, ax.transAxes)
    many = len(curves) > COMPARE_LEGEND_MAX  # a legend entry each would bury the curves
    colors = matplotlib.colormaps["viridis"](np.linspace(0, 1, len(curves)))
    for i, (label, history) in enumerate(curves.items()):
        left = first_above(history.epoch, history.loss, top)
        note = (
            history.status
            if left is None
            else f"{history.status}, leaves the frame at epoch {left}"
        )
        (line,) = ax.plot(
            history.epoch,
            np.minimum(history.loss, 10 * top),
            linewidth=1.0 if many else 1.6,
            label=f"{label} ({note})",
            **({"color": colors[i]} if many else {}),
        )
        if left is not None:
            color = line.get_color()
            ax.plot([left], [1.0], "^", color=color, markersize=9, transform=edge, clip_on=False)
    log_axis(ax, "y", nonpositive="mask")
    ax.set_ylim(bottom, top)
    epoch_axis(ax)
    ax.set_ylabel("loss (MSE, log scale)")
    ax.set_title(f"Loss per epoch, compared ({len(curves)} runs)")
    if many:  # colour keyed to the runs' order, as given
        scale = matplotlib.cm.ScalarMappable(cmap="viridis")
        scale.set_clim(1, len(curves))
        fig.colorbar(scale, ax=ax, label="run, in the order given")
    else:
        ax.legend(loc="best", fontsize="small")
    ax.grid(alpha=0.3, which="both")
    return fig


COMPARE_LEGEND_MAX = 8  # more runs than this are told apart by a colour bar
