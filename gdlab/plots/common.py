"""What every figure shares: styles, limits, saving, and the one window gdlab opens.

Figures are built with ``matplotlib.figure.Figure`` directly, not pyplot, so
nothing here depends on a display or a global backend; :func:`show_png`
is the one place that asks for a window.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import NDArray

Array = NDArray[np.float64]

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


def epoch_axis(ax: Axes) -> None:
    """Epochs on a log scale that still shows epoch 0: the first steps matter most."""
    ax.set_xscale("symlog", linthresh=1.0)
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
    fig.savefig(path, format="png", dpi=110)


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
