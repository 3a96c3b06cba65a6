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
