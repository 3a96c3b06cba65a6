"""What every figure shares: styles, limits, saving, and the one window gdlab opens.

Figures are built with ``matplotlib.figure.Figure`` directly, not pyplot, so
nothing here depends on a display or a global backend; :func:`show_png`
is the one place that asks for a window.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import NDArray

from gdlab.core.notation import Array

TRUE_STYLE: dict[str, Any] = {"color": "tab:green", "linestyle": ":", "linewidth": 2}
LS_STYLE: dict[str, Any] = {"color": "black", "linestyle": "--", "linewidth": 1.2}
INF_STYLE: dict[str, Any] = {"color": "tab:red", "linestyle": "--", "linewidth": 1}
NAN_STYLE: dict[str, Any] = {"color": "tab:purple", "linestyle": "-.", "linewidth": 1}


@dataclass(frozen=True)
class Truth:
    """The parameters synthetic data was drawn from."""

    w: Array
    b: float


def log_limits(values: Array, extra: float | None) -> tuple[float, float]:
    """Log-axis limits around the finite positive values (autoscaling chokes near 1e308)."""
    shown = values[np.isfinite(values) & (values > 0)]
    if extra:
        shown = np.append(shown, extra)
    if shown.size == 0:
        return 1e-3, 1e3
    lo, hi = float(np.log10(shown.min())), float(np.log10(shown.max()))
    pad = 0.05 * (hi - lo) + 0.2
    return 10 ** (lo - 0.3), 10 ** min(hi + pad, 250.0)  # Matplotlib ticks overflow above ~1e280


def loss_frame(losses: list[Array]) -> tuple[float, float]:
    """Log-axis limits for several runs' losses that keep the finite runs readable.

    When a run grows, the top is two decades above the highest start, or above
    the highest loss of a run that did not grow, so the growing run leaves the
    frame (its values would squash everything else into the bottom row) and is
    seen to. When none grows, the frame fits them all.
    """
    calm = [loss for loss in losses if np.isfinite(loss[-1]) and loss[-1] <= loss[0]]
    bottom, top = log_limits(np.concatenate(losses), None)
    if len(calm) == len(losses):
        return bottom, top
    kept = [float(loss[0]) for loss in losses if np.isfinite(loss[0])]
    kept += [float(np.max(loss)) for loss in calm]
    highest = max((v for v in kept if v > 0), default=1.0)
    return bottom, max(float(10 ** (np.log10(highest) + 2)), 10 * bottom)


def first_above(epoch: NDArray[Any], values: Array, top: float) -> int | None:
    """The first epoch whose value is above ``top`` (inf and nan count), if any."""
    with np.errstate(invalid="ignore"):
        above = np.flatnonzero(~(values <= top))
    return int(epoch[above[0]]) if above.size else None


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_MATHTEXT = re.compile(r"\$\\mathdefault\{(.*)\}\$")


class PlainLogLabels(ticker.LogFormatterSciNotation):
    """Matplotlib's log-axis labels (10², 2×10⁻¹), written as plain text.

    Its own are mathtext ($\\mathdefault{10^{2}}$), and building the mathtext
    parser costs about 0.3 s: more than drawing a whole figure.
    """

    def __call__(self, x: float, pos: int | None = None) -> str:
        label = super().__call__(x, pos)
        match = _MATHTEXT.fullmatch(label)
        if match is None:
            return label
        text = match.group(1).replace("\\times", "×")
        text = re.sub(r"\^\{(-?\d+)\}", lambda m: m.group(1).translate(_SUPERSCRIPT), text)
        return text.replace("-", "−")  # what is left is the sign, as Matplotlib writes it


def log_axis(ax: Axes, which: str, scale: str = "log", **kwargs: Any) -> None:
    """Put ax's ``which`` ("x" or "y") axis on a log or symlog scale, labelled in plain text."""
    (ax.set_xscale if which == "x" else ax.set_yscale)(scale, **kwargs)
    axis = ax.xaxis if which == "x" else ax.yaxis
    axis.set_major_formatter(PlainLogLabels())
    if scale == "log":  # symlog labels no minor ticks
        axis.set_minor_formatter(PlainLogLabels(labelOnlyBase=False))


def short_ticks(ax: Axes) -> None:
    """Linear y ticks of a few digits with one shared power of ten (1e5) above the axis.

    A diverged parameter's ticks (−400000) are otherwise wider than the fixed
    left margin, and push the axis label out of the figure.
    """
    ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 4))


def epoch_axis(ax: Axes) -> None:
    """Epochs on a log scale that still shows epoch 0: the first steps matter most."""
    log_axis(ax, "x", "symlog", linthresh=1.0)
    ax.set_xlim(left=0)
    ax.set_xlabel("epoch (log scale after 1)")


def fixed_figure(width: float, height: float, right: float = 0.25) -> Figure:
    """A figure with margins fixed in inches.

    Solving a constrained layout is about half the time of drawing a small
    figure, and a run draws five of them, so per-run figures use fixed margins.
    ``right`` leaves room for a colorbar when one is added.
    """
    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(
        left=0.85 / width,
        right=1 - right / width,
        bottom=0.6 / height,
        top=1 - 0.45 / height,
        hspace=0.35,
    )
    return fig


def save_png(fig: Figure, path: Path) -> None:
    """Write ``fig`` as PNG to ``path`` (any name; the format is fixed)."""
    # zlib level 3, not 6: the same picture, files ~10% larger, drawn ~30 ms faster each.
    fig.savefig(path, format="png", dpi=110, pil_kwargs={"compress_level": 3})


def can_show() -> bool:
    """Whether a window can be opened: a display exists and the backend is interactive."""
    if os.environ.get("MPLBACKEND", "").lower() == "agg":
        return False
    system: str = sys.platform  # a plain str, so mypy does not fix it to this machine's
    if system.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def show_png(path: Path) -> None:
    """Open a saved figure in a window and wait until it is closed."""
    import matplotlib.image as mpimg
    import matplotlib.pyplot as plt

    image = mpimg.imread(path)
    fig, ax = plt.subplots(figsize=(image.shape[1] / 110, image.shape[0] / 110), dpi=110)
    ax.imshow(image)
    ax.set_axis_off()
    fig.subplots_adjust(0, 0, 1, 1)
    plt.show()
