"""How a sweep figure tells its series apart, whether there are three or three hundred.

A swept number (optimizer.lr, training.epochs) is a colour on a scale, keyed by
one colour bar, on a log scale when its values span a decade or more: a legend
entry per run squashes the axes at 30 runs and runs off the figure at 200.
Names and switches (optimizer.name, data.standardize) get a legend entry each
while there are few of them, and a colour bar of their names when there are
many. A second swept key with few values is told by the line's dash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib import colormaps
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import BoundaryNorm, Colormap, ListedColormap, LogNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from gdlab.plots.common import PlainLogLabels

if TYPE_CHECKING:
    from matplotlib.typing import LineStyleType

LINESTYLES: tuple[LineStyleType, ...] = ("-", "--", ":", "-.")
MAX_LEGEND_CATEGORIES = 8  # more than this and the legend starts to crowd the axes
# viridis without its palest yellow, which vanishes on a white background
SCALE = ListedColormap(colormaps["viridis"](np.linspace(0.0, 0.85, 256)))


@dataclass(frozen=True)
class Encoding:
    """Which swept key is shown by colour and which by dash, and how to explain both."""

    colour_key: str | None
    colour_values: list[Any]  # distinct, numbers sorted, others in sweep order
    dash_key: str | None = None
    dash_values: list[Any] = field(default_factory=list)
    untold: tuple[str, ...] = ()  # swept keys neither colour nor dash can show

    @property
    def scale(self) -> bool:
        """Whether colour is keyed by a colour bar rather than by legend entries."""
        many = len(self.colour_values) > MAX_LEGEND_CATEGORIES
        return len(self.colour_values) > 1 and (_numeric(self.colour_values) or many)

    def look(self, values: dict[str, Any]) -> dict[str, Any]:
        """The colour (and dash) of the series with these swept values."""
        look: dict[str, Any] = {"color": SCALE(0.0)}
        if self.colour_key is not None:
            look["color"] = self._colour(values[self.colour_key])
        if self.dash_key is not None:
            look["linestyle"] = LINESTYLES[_index(self.dash_values, values[self.dash_key])]
        return look

    def _colour(self, value: Any) -> Any:
        if not self.scale:
            return colormaps["tab10"](_index(self.colour_values, value))
        norm, cmap = self.mappable.norm, self.mappable.cmap
        where = _index(self.colour_values, value) if isinstance(norm, BoundaryNorm) else value
        return cmap(norm(np.asarray(float(where))))

    @cached_property
    def mappable(self) -> ScalarMappable:
        """The colour scale itself: numbers on a (log) norm, many names on a discrete one."""
        values = self.colour_values
        if not _numeric(values):
            n = len(values)
            cmap: Colormap = ListedColormap(SCALE(np.linspace(0.0, 1.0, n)))
            return ScalarMappable(BoundaryNorm(np.arange(n + 1) - 0.5, n), cmap)
        low, high = float(min(values)), float(max(values))
        if low > 0 and high / low >= 10:
            return ScalarMappable(LogNorm(low, high), SCALE)
        return ScalarMappable(Normalize(low, high), SCALE)

    def legend_handles(self) -> list[Artist]:
        """Legend entries for what the colour bar does not say: few categories, the dashes."""
        handles: list[Artist] = []
        if self.colour_key is None:
            handles.append(Line2D([], [], color=SCALE(0.0), label="all runs"))
        elif not self.scale:
            short = _short(self.colour_key)
            for value in self.colour_values:
                handles.append(Line2D([], [], color=self._colour(value), label=f"{short}={value}"))
        if self.dash_key is not None:
            for value in self.dash_values:
                style = LINESTYLES[_index(self.dash_values, value)]
                label = f"{_short(self.dash_key)}={value}"
                handles.append(Line2D([], [], color="gray", linestyle=style, label=label))
        if self.untold:
            label = "also swept, not told apart: " + ", ".join(self.untold)
            handles.append(Line2D([], [], linestyle="none", label=label))
        return handles

    def colour_bar(self, fig: Figure, axes: Axes | Sequence[Axes]) -> None:
        """Add the colour bar beside ``axes`` when colour is a scale; nothing otherwise."""
        if not self.scale or self.colour_key is None:
            return
        mappable = self.mappable
        log = isinstance(mappable.norm, LogNorm)
        label = self.colour_key + (" (log scale)" if log else "")
        bar = fig.colorbar(mappable, ax=axes, label=label, fraction=0.05, pad=0.02)
        values = self.colour_values
        if not _numeric(values):
            ticks = list(range(0, len(values), max(1, len(values) // 15)))
            bar.set_ticks(ticks, labels=[str(values[i]) for i in ticks])
        elif len(values) <= MAX_LEGEND_CATEGORIES:  # few: a tick at each swept value
            bar.set_ticks([float(v) for v in values], labels=[f"{v:g}" for v in values])
            bar.ax.minorticks_off()
        elif log:  # Matplotlib's own log labels are mathtext, whose parser costs 0.3 s
            bar.ax.yaxis.set_major_formatter(PlainLogLabels())
            bar.ax.yaxis.set_minor_formatter(PlainLogLabels(labelOnlyBase=False))


def encode(points: Sequence[dict[str, Any]], leave_out: tuple[str, ...]) -> Encoding:
    """Choose how to show the swept keys of ``points`` (one dict per series).

    The key with the most values gets the colour; of the rest, one with at most
    four values gets the dash; any others are named as not told apart.
    """
    keys = [k for k in points[0] if k not in leave_out] if points else []
    if not keys:
        return Encoding(None, [])
    distinct = {k: _distinct([p[k] for p in points]) for k in keys}
    colour = max(keys, key=lambda k: len(distinct[k]))
    rest = [k for k in keys if k != colour]
    dash = next((k for k in rest if len(distinct[k]) <= len(LINESTYLES)), None)
    untold = tuple(k for k in rest if k != dash)
    dashes = distinct[dash] if dash is not None else []
    return Encoding(colour, distinct[colour], dash, dashes, untold)


def _numeric(values: Sequence[Any]) -> bool:
    """Numbers (not switches, which Python counts as ints) that are all finite."""
    return all(
        isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v) for v in values
    )


def _distinct(values: Sequence[Any]) -> list[Any]:
    """The values once each (compared as text, so lists count): numbers sorted."""
    unique = list({str(v): v for v in values}.values())
    return sorted(unique) if _numeric(unique) else unique


def _index(values: Sequence[Any], value: Any) -> int:
    return [str(v) for v in values].index(str(value))


def _short(key: str) -> str:
    return key.rsplit(".", 1)[-1]
