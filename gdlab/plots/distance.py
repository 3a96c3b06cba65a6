"""A sweep's final distance to the least-squares optimum against the learning rate.

Runs that differ only in lr (and seed) are one line over lr; any other swept key
tells the lines apart as in the other sweep figures. The y axis is framed by the
runs that converged, so a run that grew to 1e141 does not squash them into a row.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from gdlab.core.notation import Array
from gdlab.plots.common import INF_STYLE, log_axis
from gdlab.plots.sweep import SweepRun, band_label, encode_series, explain, group_series

BY_LR = ("data.seed", "optimizer.lr")  # what varies along one line
DIVERGED = "diverged (distance inf, nan, or above this frame)"


def distance_figure(runs: Sequence[SweepRun]) -> Figure:
    """Final distance to the least-squares optimum against the learning rate, log-log."""
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.add_subplot()
    groups = group_series(runs, leave_out=BY_LR)
    series = encode_series(groups, BY_LR)
    calm = [
        d
        for r in runs
        if r.summary["theory"]["observed"]["outcome"] == "converges"
        and np.isfinite(d := _distance(r))
        and d > 0
    ]
    top = 10 * max(calm, default=10.0)
    drawn = [
        _draw_series(ax, members, series.look(members[0].values), top)
        for members in groups.values()
    ]
    handles = _mark_rates(ax, runs)
    log_axis(ax, "x")
    log_axis(ax, "y", nonpositive="mask")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("final ‖θ − θ_ls‖ (log scale)")
    ax.set_title("How close each run ended to the least-squares optimum")
    if any(escaped for escaped, _ in drawn):
        up = Line2D([], [], marker="^", linestyle="none", color="tab:red", label=DIVERGED)
        handles.insert(0, up)
    seeds = max(seeds for _, seeds in drawn)
    explain(fig, [ax], series, band_label(seeds, "geometric mean"), handles)
    ax.grid(alpha=0.3, which="both")
    return fig


def _draw_series(
    ax: Axes, members: list[SweepRun], look: dict[str, object], top: float
) -> tuple[bool, int]:
    """One series over lr: its rates within the frame as a line, the rest as ▲ on its top.

    Returns whether any rate left the frame, and the most seeds at one rate.
    """
    by_lr: dict[float, list[float]] = {}
    for run in members:
        by_lr.setdefault(float(run.summary["lr"]), []).append(_distance(run))
    lrs = np.array(sorted(by_lr))
    rows = [np.array(by_lr[lr]) for lr in lrs]
    with np.errstate(invalid="ignore"):
        ok = np.array([bool(np.all(r <= top)) for r in rows])  # nan and inf are not <= top
    _draw_line(ax, lrs[ok], [r for r, good in zip(rows, ok, strict=True) if good], look)
    if not ok.all():
        ax.plot(lrs[~ok], [top] * int((~ok).sum()), "^", color="tab:red")
    return not ok.all(), max(len(r) for r in rows)


def _draw_line(ax: Axes, lrs: Array, rows: list[Array], look: dict[str, object]) -> None:
    """The geometric mean over seeds at each rate, with a min-max band when there are seeds."""
    if not rows:
        return
    kept = [np.maximum(r, 1e-300) for r in rows]
    mean = [10 ** np.mean(np.log10(r)) for r in kept]
    ax.plot(lrs, mean, marker="o", **look)  # type: ignore[arg-type]
    if max(len(r) for r in rows) > 1:
        low, high = [r.min() for r in kept], [r.max() for r in kept]
        ax.fill_between(lrs, low, high, color=look["color"], alpha=0.2, linewidth=0)


def _mark_rates(ax: Axes, runs: Sequence[SweepRun]) -> list[Artist]:
    """The critical rate 2/λmax (one line per seed's data) and the best fixed rate."""
    critical = sorted({float(r.summary["theory"]["critical_lr"]) for r in runs})
    span = (
        f"{critical[0]:.4g}" if len(critical) == 1 else f"{critical[0]:.4g} to {critical[-1]:.4g}"
    )
    label = "critical lr = 2/λmax" + (" per seed" if len(critical) > 1 else "")
    lines = [ax.axvline(lr, **INF_STYLE) for lr in critical]
    lines[0].set_label(f"{label}: {span}")
    best = float(np.mean([r.summary["theory"]["best_lr"] for r in runs]))
    best_line = ax.axvline(
        best, color="tab:green", linestyle=":", label=f"best fixed lr ≈ {best:.4g}"
    )
    return [lines[0], best_line]


def _distance(run: SweepRun) -> float:
    value = run.summary["distance_to_least_squares"]
    return float(value) if not isinstance(value, str) else float("inf")
