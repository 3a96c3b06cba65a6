"""Inside the black box, for one feature: the loss surface with the path down it, and the
fitted line moving over the data (as stills and as a GIF)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.animation import PillowWriter
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator

from gdlab.core.data import Scaling
from gdlab.core.lstsq import LeastSquares
from gdlab.core.notation import Array
from gdlab.core.theory import loss_surface
from gdlab.core.train import History
from gdlab.plots.common import PlainLogLabels, Truth, fixed_figure

EVOLUTION_EPOCHS = (0, 1, 10, 100, 1000)  # plus the last epoch
GIF_FRAMES = 30


def _frame_points(history: History, ls: LeastSquares, truth: Truth | None) -> Array:
    """The (w, b) points the view must show: start, optimum, truth, and the path.

    A diverging path is framed by its first steps only, so the zigzag out of
    the bowl is visible before it leaves the picture.
    """
    path = np.column_stack([history.w[:, 0], history.b])
    if history.status == "diverged":
        path = path[:4]
    points = [path[np.all(np.isfinite(path), axis=1)], np.array([[ls.w[0], ls.b]])]
    if truth is not None:
        points.append(np.array([[truth.w[0], truth.b]]))
    return np.concatenate(points)


def contour_figure(
    X: Array,
    y: Array,
    history: History,
    ls: LeastSquares,
    truth: Truth | None,
    lr: float,
    units: str = "",
) -> Figure:
    """Loss contours over (w, b) with gradient descent's path, start, optimum and truth."""
    points = _frame_points(history, ls, truth)
    low, high = points.min(axis=0), points.max(axis=0)
    pad = 0.15 * np.maximum(high - low, 0.5)
    w_grid = np.linspace(low[0] - pad[0], high[0] + pad[0], 300)
    b_grid = np.linspace(low[1] - pad[1], high[1] + pad[1], 300)
    W, B = np.meshgrid(w_grid, b_grid)
    excess = np.maximum(loss_surface(X, y, W, B) - ls.loss, 1e-12)
    levels = np.geomspace(max(float(np.percentile(excess, 0.5)), 1e-9), float(excess.max()), 18)

    fig = fixed_figure(7, 5.6)
    ax = fig.add_subplot()
    filled = ax.contourf(W, B, excess, levels=levels, norm=LogNorm(), cmap="viridis", alpha=0.35)
    ax.contour(W, B, excess, levels=levels, norm=LogNorm(), cmap="viridis", linewidths=0.8)
    colorbar = fig.colorbar(
        filled,
        ax=ax,
        ticks=LogLocator(),
        format=PlainLogLabels(),
        label="loss − least-squares loss (log scale)",
    )
    colorbar.ax.yaxis.set_minor_formatter(PlainLogLabels(labelOnlyBase=False))

    w_path, b_path = history.w[:, 0], history.b
    ax.plot(w_path, b_path, color="tab:red", linewidth=1, alpha=0.8, label="gradient descent")
    # Markers at epochs 0, 1, 2, 3, 5, 8, ...: dense early, thinning out as the steps shrink.
    marks = np.unique(np.geomspace(1, len(w_path), 25).astype(int) - 1)
    ax.plot(w_path[marks], b_path[marks], "o", color="tab:red", markersize=3.5)
    if history.status == "diverged":  # number the first steps: each overshoots further
        for i in range(1, min(4, len(w_path))):
            ax.annotate(
                f"epoch {history.epoch[i]}",
                (w_path[i], b_path[i]),
                fontsize=8,
                xytext=(4, -10),
                textcoords="offset points",
                color="tab:red",
            )
    # The three places a learner should find: where it started, where it should end,
    # and where the data came from.
    landmarks: list[tuple[str, float, float, str, int, dict[str, Any]]] = [
        ("start", w_path[0], b_path[0], "o", 9, {"color": "white", "markeredgecolor": "black"}),
        ("least squares", ls.w[0], ls.b, "*", 15, {"color": "black"}),
    ]
    if truth is not None:
        landmarks.append(("true", truth.w[0], truth.b, "X", 10, {"color": "tab:green"}))
    for name, w, b, marker, size, style in landmarks:
        ax.plot([w], [b], marker, markersize=size, label=f"{name} ({w:.4g}, {b:.4g})", **style)
    ax.set_xlim(w_grid[0], w_grid[-1])
    ax.set_ylim(b_grid[0], b_grid[-1])
    ax.set_xlabel(f"w{units}")
    ax.set_ylabel(f"b{units}")
    ax.set_title(f"Loss surface and the path down it (lr = {lr:g}, {history.status})")
    ax.legend(loc="best", fontsize="small")
    return fig


def _lines_in_original_units(history: History, scaling: Scaling) -> tuple[Array, Array]:
    return scaling.traces_to_original(history.w, history.b)


def evolution_figure(X: Array, y: Array, history: History, scaling: Scaling, lr: float) -> Figure:
    """The data with the fitted line at epochs 0, 1, 10, 100, 1000 and the last, by colour.

    A line outside the frame (a diverging run's) is said to be so in the legend,
    not written as an equation in the millions; one that overflowed is named too.
    """
    W, B = _lines_in_original_units(history, scaling)
    wanted = [e for e in EVOLUTION_EPOCHS if e < history.epochs_run] + [history.epochs_run]
    rows = sorted({int(np.searchsorted(history.epoch, e)) for e in wanted})
    x = X[:, 0]
    grid = np.linspace(x.min(), x.max(), 2)
    cmap = colormaps["plasma"]
    fig = fixed_figure(7, 5)
    ax = fig.add_subplot()
    ax.scatter(x, y, s=14, color="tab:gray", alpha=0.6, label="data")
    frame = _frame_the_data(ax, y)
    for i, row in enumerate(rows):
        w, b = float(W[row, 0]), float(B[row])
        with np.errstate(over="ignore", invalid="ignore"):  # a diverged line may overflow
            line = w * grid + b
        ax.plot(
            grid,
            line,
            color=cmap(0.85 * i / max(len(rows) - 1, 1)),
            linewidth=2,
            label=line_label(int(history.epoch[row]), w, b, line, frame, history.status),
        )
    ax.set_title(f"The fitted line, epoch by epoch (lr = {lr:g})")
    ax.legend(loc="best", fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def line_label(
    epoch: int, w: float, b: float, line: Array, frame: tuple[float, float], status: str
) -> str:
    """ "epoch 10: y = 3.1x − 0.5", or what the line did when an equation would say nothing."""
    why = " (diverged)" if status == "diverged" else ""
    if not np.all(np.isfinite(line)):
        return f"epoch {epoch:,}: w and b overflowed{why}"
    if np.max(line) < frame[0] or np.min(line) > frame[1]:
        return f"epoch {epoch:,}: outside the frame{why}"
    sign = "−" if b < 0 else "+"
    return f"epoch {epoch:,}: y = {w:.3g}x {sign} {abs(b):.3g}".replace("-", "−")


def write_evolution_gif(X: Array, y: Array, history: History, scaling: Scaling, path: Path) -> None:
    """Animate the line over the data, frames at log-spaced epochs, with Pillow."""
    W, B = _lines_in_original_units(history, scaling)
    x = X[:, 0]
    grid = np.linspace(x.min(), x.max(), 2)
    frames = np.unique(np.concatenate([[0], np.geomspace(1, len(W), GIF_FRAMES).astype(int) - 1]))
    # A fixed layout: re-solving a constrained layout for every frame is most of the cost.
    fig = Figure(figsize=(5, 3.6))
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.14, top=0.9)
    FigureCanvasAgg(fig)  # the animation writer draws through an Agg canvas
    ax = fig.add_subplot()
    ax.scatter(x, y, s=10, color="tab:gray", alpha=0.6)
    (line,) = ax.plot([], [], color="tab:orange", linewidth=2.5)
    frame = _frame_the_data(ax, y)
    writer = PillowWriter(fps=8)
    with writer.saving(fig, str(path), dpi=70):
        for i, row in enumerate(frames):
            w, b = float(W[row, 0]), float(B[row])
            with np.errstate(over="ignore", invalid="ignore"):  # a diverged line may overflow
                values = w * grid + b
            line.set_data(grid, values)
            epoch = int(history.epoch[row])
            ax.set_title(line_label(epoch, w, b, values, frame, history.status), fontsize=10)
            for _ in range(4 if i == len(frames) - 1 else 1):  # linger on the last frame
                writer.grab_frame()


def _frame_the_data(ax: Axes, y: Array) -> tuple[float, float]:
    """y-limits with a fifth of the data's range spare on either side, so lines can leave it."""
    span = float(y.max() - y.min())
    low, high = float(y.min()) - 0.2 * span, float(y.max()) + 0.2 * span
    ax.set_ylim(low, high)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    return low, high
