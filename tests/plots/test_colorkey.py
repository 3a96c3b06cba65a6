"""Which swept key gets the colour, on what scale, and what the legend still has to say."""

from __future__ import annotations

from typing import Any

import pytest
from matplotlib.colors import BoundaryNorm, LogNorm, Normalize
from matplotlib.figure import Figure

from gdlab.plots.colorkey import encode


def _points(key: str, values: list[Any]) -> list[dict[str, Any]]:
    return [{key: v} for v in values]


@pytest.mark.parametrize(
    ("values", "norm", "legend"),
    [
        ([0.001, 0.005, 0.1], LogNorm, []),  # spans two decades: log
        ([0.01, 0.02, 0.05], Normalize, []),  # within a decade: linear
        ([0.0, 0.5, 1.0, 2.0], Normalize, []),  # a zero has no logarithm
        ([10, 100, 1000], LogNorm, []),  # ints are numbers too
        ([0.01], None, ["lr=0.01"]),  # one value: nothing to scale
        (["gd", "adam"], None, ["lr=gd", "lr=adam"]),
        ([True, False], None, ["lr=True", "lr=False"]),  # switches are not numbers
        ([f"n{i}" for i in range(12)], BoundaryNorm, []),  # many names: a bar of names
    ],
)
def test_numbers_get_a_scale_and_few_names_a_legend(
    values: list[Any], norm: type | None, legend: list[str]
) -> None:
    series = encode(_points("optimizer.lr", values), leave_out=())
    assert series.colour_key == "optimizer.lr"
    if norm is None:
        assert not series.scale
    else:
        assert series.scale and type(series.mappable.norm) is norm
    assert [h.get_label() for h in series.legend_handles()] == legend
    colours = {str(series.look({"optimizer.lr": v})["color"]) for v in values}
    assert len(colours) == len(values)  # every value its own colour


def test_the_colour_bar_names_the_key_and_ticks_few_values() -> None:
    series = encode(_points("optimizer.lr", [0.1, 0.001, 0.005]), leave_out=())
    fig = Figure()
    ax = fig.add_subplot()
    series.colour_bar(fig, ax)
    bar = fig.axes[1]
    assert bar.get_ylabel() == "optimizer.lr (log scale)"
    assert [t.get_text() for t in bar.get_yticklabels()] == ["0.001", "0.005", "0.1"]


def test_seeds_left_out_and_no_key_left_is_one_series() -> None:
    series = encode([{"data.seed": 1}, {"data.seed": 2}], leave_out=("data.seed",))
    assert series.colour_key is None and not series.scale
    assert [h.get_label() for h in series.legend_handles()] == ["all runs"]
