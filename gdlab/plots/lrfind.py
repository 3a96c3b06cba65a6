"""lr_find.png: the range test's loss against the rate, beside the rates the theory gives.

The raw loss after each step (thin) and its smoothed curve (bold) over a log
rate axis, with vertical lines at the rule of thumb's suggestion (the steepest
fall), at minimum / 10, at the best fixed rate 2/(λmin+λmax) and at the
critical rate 2/λmax; past the critical rate the axis is shaded, since plain
gradient descent diverges there. The record layer calls :func:`draw_lr_find`
through its ``draw`` callback (gdlab/record/lrfind.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from gdlab.core.lrfind import RangeTest
from gdlab.plots.common import INF_STYLE, log_axis, save_png
from gdlab.record import runs

SUGGESTED_STYLE: dict[str, Any] = {"color": "tab:orange", "linestyle": "-", "linewidth": 1.6}
MIN10_STYLE: dict[str, Any] = {"color": "tab:purple", "linestyle": "-.", "linewidth": 1.2}
BEST_STYLE: dict[str, Any] = {"color": "tab:green", "linestyle": ":", "linewidth": 2}


def lr_find_figure(test: RangeTest, summary: dict[str, Any]) -> Figure:
    """Loss against the learning rate, log-log, with the suggested and the predicted rates."""
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.add_subplot()
    with np.errstate(invalid="ignore"):
        shown = np.isfinite(test.loss) & (test.loss > 0)
    ax.plot(
        test.lr[shown],
        test.loss[shown],
        color="tab:blue",
        alpha=0.55,
        linewidth=1,
        label="loss after each step",
    )
    ax.plot(
        test.lr,
        test.smoothed,
        color="tab:blue",
        linewidth=2,
        label=f"smoothed (moving average, β = {summary['smoothing_beta']:g})",
    )
    _mark_rates(ax, summary)
    log_axis(ax, "x")
    log_axis(ax, "y")
    ax.set_ylim(*_loss_limits(test))
    ax.set_xlim(float(test.lr[0]), float(test.lr[-1]) * 1.5)
    ax.set_xlabel("learning rate (log scale): one step at each, growing every step")
    ax.set_ylabel("loss (MSE, log scale)")
    ax.set_title(_title(summary))
    ax.legend(loc="lower left", fontsize="small")
    ax.grid(alpha=0.3, which="major")
    return fig


def _title(summary: dict[str, Any]) -> str:
    """Which test this was, and where its suggestion lands against the critical rate."""
    head = (
        f"Learning-rate range test: {summary['optimizer']}, "
        f"{summary['steps_taken']} of {summary['steps']} steps"
    )
    suggested = summary["suggested_lr"]
    if suggested is None:
        return f"{head}\nthe loss never fell: no rate to suggest (lower --start)"
    ratio = suggested / summary["critical_lr"]
    return f"{head}\nsuggested lr {suggested:.3g} = {ratio:.3g} × the critical rate 2/λmax"


def _mark_rates(ax: Axes, summary: dict[str, Any]) -> None:
    """The two rules of thumb and the theory's two rates, each labelled with its value."""
    critical, best = summary["critical_lr"], summary["best_lr"]
    suggested, min10 = summary["suggested_lr"], summary["minimum_over_10_lr"]
    if suggested is not None:
        ax.axvline(
            suggested, **SUGGESTED_STYLE, label=f"suggested (steepest fall): {suggested:.3g}"
        )
    if min10 is not None:
        ax.axvline(min10, **MIN10_STYLE, label=f"minimum / 10: {min10:.3g}")
    ax.axvline(best, **BEST_STYLE, label=f"best fixed lr 2/(λmin+λmax): {best:.4g}")
    ax.axvline(critical, **INF_STYLE, label=f"critical lr 2/λmax: {critical:.4g}")
    ax.axvspan(
        critical,
        1e3,
        color="tab:red",
        alpha=0.07,
        linewidth=0,
        label="plain gradient descent diverges",
    )


def _loss_limits(test: RangeTest) -> tuple[float, float]:
    """From below the lowest loss to above the start: the blow-up at the end leaves the frame."""
    values = np.concatenate([test.loss, test.smoothed, [test.initial_loss]])
    with np.errstate(invalid="ignore"):
        values = values[np.isfinite(values) & (values > 0)]
    if not values.size:
        return 1e-3, 1e3
    top = max(
        float(test.initial_loss),
        float(np.max(test.smoothed[np.isfinite(test.smoothed)], initial=0.0)),
    )
    low, high = float(values.min()) / 2, min(top * 10, float(values.max()) * 2)
    # A loss near float64's ends (a range from 1e-300 to 1e300) must not leave the axis infinite.
    low = low if low > 0 else float(values.min())
    return low, high if np.isfinite(high) else float(values.max())


def draw_lr_find(folder: Path, test: RangeTest, summary: dict[str, Any]) -> None:
    """Write lr_find.png into ``folder``, atomically."""
    with runs.atomic_target(folder / "lr_find.png") as tmp:
        save_png(lr_find_figure(test, summary), tmp)
