"""Figures that compare the runs of a sweep.

Runs that differ only in their data seed are one series: drawn as their mean
with a band from the lowest to the highest, instead of one line each. Series
are told apart by a colour scale keyed to the swept value (colorkey.py), so a
sweep of 200 points reads as well as one of three.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from gdlab.core.notation import Array, feature_names
from gdlab.core.overflow import FLOAT_MAX
from gdlab.core.train import History
from gdlab.plots.colorkey import Encoding, encode
from gdlab.plots.common import LS_STYLE, TRUE_STYLE, epoch_axis, log_axis, loss_frame

SEEDS = ("data.seed",)  # runs that differ only here are one series
MOST_SERIES = 200  # curves drawn at most per panel: more read as one smear and draw slowly


@dataclass(frozen=True)
class SweepRun:
    """What the sweep figures need of one finished run."""

    values: dict[str, Any]  # the swept values, data.seed included when seeds are swept
    history: History
    summary: dict[str, Any]


def group_series(runs: Sequence[SweepRun], leave_out: tuple[str, ...]) -> dict[str, list[SweepRun]]:
    """Group runs by their swept values, ignoring the keys in ``leave_out``."""
    groups: dict[str, list[SweepRun]] = {}
    for run in runs:
        kept = [f"{k.rsplit('.', 1)[-1]}={v}" for k, v in run.values.items() if k not in leave_out]
        groups.setdefault(", ".join(kept) or "all runs", []).append(run)
    return groups


def encode_series(groups: dict[str, list[SweepRun]], leave_out: tuple[str, ...]) -> Encoding:
    """How the series of ``groups`` are told apart: by the swept values they do not leave out."""
    return encode([members[0].values for members in groups.values()], leave_out)


def explain(
    fig: Figure,
    axes: Sequence[Axes],
    series: Encoding,
    band: str | None = None,
    handles: Sequence[Artist] = (),
) -> None:
    """The colour bar beside the axes, and one legend below them for what the bar does not say.

    Below, not inside: it never hides a curve, and Matplotlib's search for the
    emptiest corner costs a second with 200 curves. ``band`` labels the seeds'
    min-max band when series have several seeds; ``handles`` are the figure's own.
    """
    series.colour_bar(fig, axes)
    entries = [*series.legend_handles(), *handles]
    if band is not None:
        entries.append(Patch(facecolor="gray", alpha=0.2, label=band))
    columns = min(len(entries), 3)
    fig.legend(handles=entries, loc="outside lower center", ncols=columns, fontsize="small")


def band_label(seeds: int, mean: str = "mean") -> str | None:
    """What the line and band of a series of seeds are; None when each series is one run."""
    return f"{mean} of {seeds} seeds (line), lowest to highest (band)" if seeds > 1 else None


def spread(groups: dict[str, list[SweepRun]]) -> tuple[dict[str, list[SweepRun]], str]:
    """At most MOST_SERIES of the series, evenly spread through the sweep's order, and the
    words that say so ("" when every series is drawn)."""
    if len(groups) <= MOST_SERIES:
        return groups, ""
    keys = list(groups)
    picked = np.linspace(0, len(keys) - 1, MOST_SERIES).round().astype(int)
    shown = {keys[i]: groups[keys[i]] for i in picked}
    return shown, f"{len(shown)} of {len(groups)} series, evenly spread"


def _most_seeds(groups: dict[str, list[SweepRun]]) -> int:
    return max(len(members) for members in groups.values())


def _stack(traces: list[Array], length: int) -> Array:
    """Rows padded with nan to a common length (a diverged run stops early)."""
    out = np.full((len(traces), length), np.nan)
    for i, trace in enumerate(traces):
        out[i, : len(trace)] = trace
    return out


def _draw_series(
    ax: Axes, epochs: Array, rows: Array, look: dict[str, Any], ceiling: float | None = None
) -> None:
    """One run as a line; several seeds as their mean and a min-max band.

    With ``ceiling`` the values are losses: averaged in log space (inf counts
    as the largest float, so a diverging seed pulls the mean up, as it should)
    and drawn no higher than the ceiling, so a diverging curve leaves the axis.
    """
    # Epochs where every seed has stopped or left the frame are all-nan: they stay blank.
    # A seed whose loss overflowed stays overflowed (it turns nan, then stops): the mean
    # is off the top from then on and the band reaches it, not the others' mean alone.
    overflowed = np.maximum.accumulate(rows == np.inf, axis=1) if ceiling is not None else None
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        data = rows if overflowed is None else np.log10(np.where(overflowed, FLOAT_MAX, rows))
        data = np.where(np.isfinite(data), data, np.nan)
        mean = np.nanmean(data, axis=0)
        low, high = np.nanmin(data, axis=0), np.nanmax(data, axis=0)
    if overflowed is not None:
        mean = np.where(overflowed.any(axis=0), np.nan, mean)
    if ceiling is not None:
        top = np.log10(ceiling)
        mean, low, high = (10 ** np.minimum(v, top) for v in (mean, low, high))
    ax.plot(epochs, mean, **look, linewidth=1.6)
    if rows.shape[0] > 1:
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


def _members(members: list[SweepRun]) -> tuple[Array, int]:
    """The longest epoch axis among a series' runs, and its length."""
    epochs = max((r.history.epoch for r in members), key=len).astype(float)
    return epochs, len(epochs)


def loss_curves_figure(runs: Sequence[SweepRun]) -> Figure:
    """Every run's loss per epoch on one log axis; diverging runs leave it at the top."""
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.add_subplot()
    groups = group_series(runs, leave_out=SEEDS)
    series = encode_series(groups, SEEDS)
    bottom, top = loss_frame([r.history.loss for r in runs])
    drawn, some = spread(groups)
    for members in drawn.values():
        look = series.look(members[0].values)
        epochs, length = _members(members)
        rows = _stack([r.history.loss for r in members], length)
        _draw_series(ax, epochs, rows, look, ceiling=10 * top)
        _mark_overflows(ax, members, look["color"])
    log_axis(ax, "y", nonpositive="mask")
    ax.set_ylim(bottom, top)
    epoch_axis(ax)
    ax.set_ylabel("loss (MSE, log scale)")
    ax.set_title(f"Loss per epoch, {some or f'every run ({len(runs)})'}")
    overflows = [
        Line2D([], [], marker="x", linestyle="none", color="gray", label="loss = inf from here"),
        Line2D(
            [],
            [],
            marker="o",
            linestyle="none",
            color="gray",
            markerfacecolor="none",
            label="loss = nan from here",
        ),
    ]
    explain(fig, [ax], series, band_label(_most_seeds(groups)), overflows)
    ax.grid(alpha=0.3, which="both")
    return fig


def _model(run: SweepRun) -> tuple[int, bool]:
    """A run's parameters: how many weights, and whether b is learned."""
    ls = run.summary["least_squares"]
    return len(run.summary["final"]["w"]), bool(ls.get("intercept", True))


def trajectories_figure(runs: Sequence[SweepRun]) -> Figure:
    """w and b per epoch for every run, against the true and least-squares values.

    Only runs of the first run's model share panels: a sweep over model.degree or
    model.intercept fits other parameters, which no panel of these can hold.
    """
    shape = _model(runs[0])
    kept = [r for r in runs if _model(r) == shape]
    note = "" if len(kept) == len(runs) else f"; {len(kept)} of {len(runs)} runs, of one model"
    runs = kept
    names = [*feature_names("w", shape[0]), "b"]
    fig = Figure(figsize=(8, 2.6 * len(names) + 1.0), layout="constrained")
    axes = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
    groups = group_series(runs, leave_out=SEEDS)
    series = encode_series(groups, SEEDS)
    refs: list[float] = []
    truths: list[float] = []
    for k, ax in enumerate(axes):
        ref, truth = _panel(ax, k, names, groups, series)
        refs.append(ref)
        truths.extend([truth] if truth is not None else [])
    for ax in axes[:-1]:
        ax.set_xlabel("")  # the panels share the epoch axis; label it once, at the bottom
    seeds = "" if _most_seeds(groups) == 1 else " (mean over seeds)"
    values = ", ".join(f"{n} = {v:.4g}" for n, v in zip(names, refs, strict=True))
    handles = [Line2D([], [], **LS_STYLE, label=f"least squares{seeds}: {values}")]
    if len(truths) == len(names):
        values = ", ".join(f"{n} = {v:.4g}" for n, v in zip(names, truths, strict=True))
        handles.append(Line2D([], [], **TRUE_STYLE, label=f"true: {values}"))
    explain(fig, list(axes), series, band_label(_most_seeds(groups)), handles)
    some = spread(groups)[1]
    note += f"; {some}" if some else ""
    fig.suptitle(f"Parameters per epoch (diverging runs leave the frame{note})")
    return fig


def _panel(
    ax: Axes, k: int, names: list[str], groups: dict[str, list[SweepRun]], series: Encoding
) -> tuple[float, float | None]:
    """Parameter ``k``'s traces; returns its least-squares value and its truth (if shared)."""
    runs = [run for members in groups.values() for run in members]
    # The traces are in the units trained in: standardized ones compare with the
    # standardized optimum, and the truth is drawn only in x's own units.
    refs = [_param(r.summary.get("standardized", r.summary)["least_squares"], k) for r in runs]
    truths = [_param(r.summary["true"], k) for r in runs if _truth_applies(r.summary)]
    truth = truths[0] if truths and len(truths) == len(runs) else None
    n_w = len(names) - 1
    low, high = _frame(runs, k, n_w, [*refs, *([truth] if truth is not None else [])])
    for members in spread(groups)[0].values():
        epochs, length = _members(members)
        traces = [
            _until_outside(r.history.w[:, k] if k < n_w else r.history.b, low, high)
            for r in members
        ]
        _draw_series(ax, epochs, _stack(traces, length), series.look(members[0].values))
    ax.axhline(float(np.mean(refs)), **LS_STYLE)
    if truth is not None:
        ax.axhline(truth, **TRUE_STYLE)
    ax.set_ylim(low, high)
    epoch_axis(ax)
    ax.set_ylabel(names[k])
    ax.grid(alpha=0.3)
    return float(np.mean(refs)), truth


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
