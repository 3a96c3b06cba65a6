"""Figures. The only package that imports Matplotlib (ruff's banned-api enforces it).

``common`` holds styles and saving, ``run`` the figures of one run, ``sweep``
the figures that compare the runs of a sweep.
"""

from gdlab.plots.common import Truth, can_show, save_png, show_png
from gdlab.plots.run import compare_figure as run_compare_figure
from gdlab.plots.run import fit_figure, loss_figure, params_figure

__all__ = [
    "Truth",
    "can_show",
    "fit_figure",
    "loss_figure",
    "params_figure",
    "run_compare_figure",
    "save_png",
    "show_png",
]
