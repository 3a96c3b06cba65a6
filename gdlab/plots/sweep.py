"""Figures that compare the runs of a sweep.

Runs that differ only in their data seed are one series: drawn as their mean
with a band from the lowest to the highest, instead of one line each.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from gdlab.core.notation import Array, feature_names
from gdlab.core.overflow import FLOAT_MAX
from gdlab.core.train import History
from gdlab.plots.common import (
    INF_STYLE,
    LS_STYLE,
    TRUE_STYLE,
    epoch_axis,
    log_axis,
    log_limits,
)


@dataclass(frozen=True)
class SweepRun:
    """What the sweep figures need of one finished run."""

    values: dict[str, Any]  # the swept values, data.seed included when seeds are swept
    history: History
    summary: dict[str, Any]


def _series(runs: Sequence[SweepRun], leave_out: tuple[str, ...]) -> dict[str, list[SweepRun]]:
    """Group runs by their swept values, ignoring the keys in ``leave_out``."""
    groups: dict[str, list[SweepRun]] = {}
    for run in runs:
        kept = [f"{k.rsplit('.', 1)[-1]}={v}" for k, v in run.values.items() if k not in leave_out]
        groups.setdefault(", ".join(kept) or "all runs", []).append(run)
    return groups


def _colors(n: int) -> list[Any]:
    cmap = colormaps["viridis"]
    return [cmap(x) for x in np.linspace(0.0, 0.85, max(n, 1))]


LINESTYLES = ("-", "--", ":", "-.")


def _looks(groups: dict[str, list[SweepRun]], leave_out: tuple[str, ...]) -> list[dict[str, Any]]:
    """A colour per series; with two swept keys, colour by the first and dash by the second."""
    firsts = [members[0].values for members in groups.values()]
    keys = [k for k in firsts[0] if k not in leave_out]
    if len(keys) < 2:
        return [{"color": c} for c in _colors(len(groups))]
    a = list(dict.fromkeys(str(v[keys[0]]) for v in firsts))
    b = list(dict.fromkeys(str(v[keys[1]]) for v in firsts))
    colors = _colors(len(a))
    return [
        {
            "color": colors[a.index(str(v[keys[0]]))],
            "linestyle": LINESTYLES[b.index(str(v[keys[1]])) % len(LINESTYLES)],
        }
        for v in firsts
    ]


def _legend(ax: Axes, n_series: int) -> None:
    """Inside the axes for a few series; beside them for many."""
    if n_series > 6:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    else:
        ax.legend(loc="best", fontsize="small")


def _stack(traces: list[Array], length: int) -> Array:
    """Rows padded with nan to a common length (a diverged run stops early)."""
    out = np.full((len(traces), length), np.nan)
    for i, trace in enumerate(traces):
        out[i, : len(trace)] = trace
    return out


def _draw_series(
    ax: Axes,
    epochs: Array,
    rows: Array,
    look: dict[str, Any],
    label: str,
    ceiling: float | None = None,
) -> None:
    """One run as a line; several seeds as their mean and a min-max band.

    With ``ceiling`` the values are losses: averaged in log space (inf counts
    as the largest float, so a diverging seed pulls the mean up, as it should)
    and drawn no higher than the ceiling, so a diverging curve leaves the axis.
    """
    # Epochs where every seed has stopped or left the frame are all-nan: they stay blank.
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        data = rows if ceiling is None else np.log10(np.where(rows == np.inf, FLOAT_MAX, rows))
        data = np.where(np.isfinite(data), data, np.nan)
        mean = np.nanmean(data, axis=0)
        low, high = np.nanmin(data, axis=0), np.nanmax(data, axis=0)
    if ceiling is not None:
        top = np.log10(ceiling)
        mean, low, high = (10 ** np.minimum(v, top) for v in (mean, low, high))
    if rows.shape[0] == 1:
        ax.plot(epochs, mean, **look, linewidth=1.6, label=label)
        return
    ax.plot(epochs, mean, **look, linewidth=1.6, label=f"{label} (mean of {rows.shape[0]})")
    ax.fill_between(epochs, low, high, color=look["color"], alpha=0.2, linewidth=0)


def _mark_overflows(ax: Axes, runs: Sequence[SweepRun], color: Any) -> None:
    """Markers on the top edge at each run's first inf (x) and first nan (o) epoch."""
    top = blended_transform_factory(ax.transData, ax.transAxes)
    for run in runs:
        for epoch, marker in (
            (run.history.first_inf_epoch, "x"),
            (run.history.first_nan_epoch, "o"),
        ):
            if epoch is not None:
                ax.plot(
                    [epoch],
                    [0.97],
                    marker=marker,
                    color=color,
                    markersize=8,
                    markerfacecolor="none",
                    transform=top,
                    clip_on=False,
                )


def loss_curves_figure(runs: Sequence[SweepRun]) -> Figure:
    """Every run's loss per epoch on one log axis; diverging runs leave it at the top."""
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.add_subplot()
    groups = _series(runs, leave_out=("data.seed",))
    all_losses = np.concatenate([r.history.loss for r in runs])
    initial = max(float(r.history.loss[0]) for r in runs)
    bottom, _ = log_limits(all_losses, None)
    top = 10 ** (np.log10(initial) + 2)  # two decades above the start: divergence is obvious
    looks = _looks(groups, ("data.seed",))
    for (label, members), look in zip(groups.items(), looks, strict=True):
        length = max(len(r.history.epoch) for r in members)
        epochs = max((r.history.epoch for r in members), key=len).astype(float)
        rows = _stack([r.history.loss for r in members], length)
        _draw_series(ax, epochs, rows, look, label, ceiling=10 * top)
        _mark_overflows(ax, members, look["color"])
    log_axis(ax, "y", nonpositive="mask")
    ax.set_ylim(bottom, top)
    ax.plot([], [], "x", color="gray", label="loss = inf from here")
    ax.plot([], [], "o", color="gray", markerfacecolor="none", label="loss = nan from here")
    epoch_axis(ax)
    ax.set_ylabel("loss (MSE, log scale)")
    ax.set_title("Loss per epoch, every run")
    _legend(ax, len(groups))
    ax.grid(alpha=0.3, which="both")
    return fig


def trajectories_figure(runs: Sequence[SweepRun]) -> Figure:
    """w and b per epoch for every run, against the true and least-squares values."""
    summary = runs[0].summary
    names = feature_names("w", len(summary["final"]["w"]))
    fig = Figure(figsize=(8, 2.6 * (len(names) + 1) + 0.6), layout="constrained")
    axes = fig.subplots(len(names) + 1, 1, sharex=True, squeeze=False)[:, 0]
    groups = _series(runs, leave_out=("data.seed",))
    looks = _looks(groups, ("data.seed",))
    for k, (ax, name) in enumerate(zip(axes, [*names, "b"], strict=True)):
        # The traces are in the units trained in: standardized ones compare with the
        # standardized optimum, and the truth is drawn only in x's own units.
        refs = [_param(r.summary.get("standardized", r.summary)["least_squares"], k) for r in runs]
        truths = [_param(r.summary["true"], k) for r in runs if _truth_applies(r.summary)]
        truth = truths[0] if truths and len(truths) == len(runs) else None
        low, high = _frame(runs, k, len(names), [*refs, *([truth] if truth is not None else [])])
        for (label, members), look in zip(groups.items(), looks, strict=True):
            length = max(len(r.history.epoch) for r in members)
            epochs = max((r.history.epoch for r in members), key=len).astype(float)
            traces = [
                _until_outside(r.history.w[:, k] if k < len(names) else r.history.b, low, high)
                for r in members
            ]
            _draw_series(ax, epochs, _stack(traces, length), look, label)
        ls_label = "least squares" if len(set(refs)) == 1 else "least squares (mean over seeds)"
        ax.axhline(float(np.mean(refs)), **LS_STYLE, label=f"{ls_label} = {np.mean(refs):.4g}")
        if truth is not None:
            ax.axhline(truth, **TRUE_STYLE, label=f"true = {truth:.4g}")
        ax.set_ylim(low, high)
        epoch_axis(ax)
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
    for ax in axes[:-1]:
        ax.set_xlabel("")  # the panels share the epoch axis; label it once, at the bottom
    _legend(axes[0], len(groups))
    fig.suptitle("Parameters per epoch (diverging runs leave the frame)")
    return fig


def _truth_applies(summary: dict[str, Any]) -> bool:
    return summary["true"] is not None and "standardized" not in summary


def _param(block: dict[str, Any], k: int) -> float:
    return float(block["w"][k]) if k < len(block["w"]) else float(block["b"])


def _frame(runs: Sequence[SweepRun], k: int, n_w: int, refs: list[float]) -> tuple[float, float]:
    """Limits that fit the runs that stayed finite, the starts and the reference values."""
    values = list(refs)
    for run in runs:
        trace = run.history.w[:, k] if k < n_w else run.history.b
        if run.summary["theory"]["observed"]["outcome"] == "converges":
            values.extend([float(np.min(trace)), float(np.max(trace))])
        else:
            values.append(float(trace[0]))
    low, high = min(values), max(values)
    pad = 0.1 * max(high - low, 1e-3)
    return low - pad, high + pad


def _until_outside(trace: Array, low: float, high: float) -> Array:
    """The trace up to and including its first value outside [low, high].

    A diverging trace zigzags between ever larger values; drawn in full it
    would fill the frame with solid colour.
    """
    with np.errstate(invalid="ignore"):
        outside = np.flatnonzero(~((trace >= low) & (trace <= high)))
    return trace if outside.size == 0 else trace[: outside[0] + 1]


def distance_figure(runs: Sequence[SweepRun]) -> Figure:
    """Final distance to the least-squares optimum against the learning rate, log-log."""
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.add_subplot()
    groups = _series(runs, leave_out=("data.seed", "optimizer.lr"))
    finite = [d for r in runs if np.isfinite(d := _distance(r)) and d > 0]
    top = 10 * max(finite, default=10.0)
    looks = _looks(groups, ("data.seed", "optimizer.lr"))
    diverged_shown = False
    for (label, members), look in zip(groups.items(), looks, strict=True):
        by_lr: dict[float, list[float]] = {}
        for run in members:
            by_lr.setdefault(float(run.summary["lr"]), []).append(_distance(run))
        lrs = np.array(sorted(by_lr))
        rows = [np.array(by_lr[lr]) for lr in lrs]
        ok = np.array([bool(np.all(np.isfinite(r))) for r in rows])
        seeds = max(len(r) for r in rows)
        if ok.any():
            kept = [np.maximum(r, 1e-300) for r, good in zip(rows, ok, strict=True) if good]
            mean = [10 ** np.mean(np.log10(r)) for r in kept]
            name = label if seeds == 1 else f"{label} (geometric mean over seeds)"
            ax.plot(lrs[ok], mean, marker="o", **look, label=name)
            if seeds > 1:
                low, high = [r.min() for r in kept], [r.max() for r in kept]
                ax.fill_between(lrs[ok], low, high, color=look["color"], alpha=0.2, linewidth=0)
        if not ok.all():
            label_up = None if diverged_shown else "diverged (a seed's distance is inf or nan)"
            ax.plot(lrs[~ok], [top] * int((~ok).sum()), "^", color="tab:red", label=label_up)
            diverged_shown = True
    critical = sorted({float(r.summary["theory"]["critical_lr"]) for r in runs})
    span = (
        f"{critical[0]:.4g}" if len(critical) == 1 else f"{critical[0]:.4g} to {critical[-1]:.4g}"
    )
    label = "critical lr = 2/λmax" + (" per seed" if len(critical) > 1 else "")
    for i, lr in enumerate(critical):
        ax.axvline(lr, **INF_STYLE, label=f"{label}: {span}" if i == 0 else None)
    best = float(np.mean([r.summary["theory"]["best_lr"] for r in runs]))
    ax.axvline(best, color="tab:green", linestyle=":", label=f"best fixed lr ≈ {best:.4g}")
    log_axis(ax, "x")
    log_axis(ax, "y", nonpositive="mask")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("final ‖θ − θ_ls‖ (log scale)")
    ax.set_title("How close each run ended to the least-squares optimum")
    _legend(ax, len(groups))
    ax.grid(alpha=0.3, which="both")
    return fig


def _distance(run: SweepRun) -> float:
    value = run.summary["distance_to_least_squares"]
    return float(value) if not isinstance(value, str) else float("inf")
