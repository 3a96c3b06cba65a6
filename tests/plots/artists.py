"""What the figure tests look at once a figure is drawn: where its texts landed, its legends."""

from __future__ import annotations

import warnings

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def draw(fig: Figure) -> list[str]:
    """Draw ``fig`` as saving it would (layout included); return every warning raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        FigureCanvasAgg(fig).draw()
    return [f"{w.category.__name__}: {w.message}" for w in caught]


def outside(fig: Figure) -> list[str]:
    """What of a drawn figure lies past its edge: an axes' labels, ticks, title, legend."""
    edge = fig.bbox
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    pieces = [(ax.get_ylabel() or ax.get_title() or "axes", ax) for ax in fig.axes]
    pieces += [("figure legend", legend) for legend in fig.legends]
    if fig._suptitle is not None:
        pieces.append(("suptitle", fig._suptitle))
    found = []
    for name, artist in pieces:
        box = artist.get_tightbbox(renderer)
        if box is None:
            continue
        if (
            box.x0 < edge.x0 - 1
            or box.y0 < edge.y0 - 1
            or box.x1 > edge.x1 + 1
            or box.y1 > edge.y1 + 1
        ):
            bounds = [round(float(v)) for v in box.bounds]
            found.append(f"{name}: {bounds} (x, y, width, height) past {list(edge.bounds)}")
    return found


def legend_labels(fig: Figure) -> list[str]:
    """Every legend entry of the figure and of its axes."""
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes)]
    return [text.get_text() for legend in legends if legend for text in legend.get_texts()]


def colour_bars(fig: Figure) -> list[str]:
    """The labels of the figure's colour bars (an axes that holds one has a ``_colorbar``)."""
    return [ax.get_ylabel() for ax in fig.axes if hasattr(ax, "_colorbar")]
