"""lr_find.png: its curves and its four labelled rates, in a file that opens. Never PNG bytes."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image as mpimg
import numpy as np

from gdlab.plots.lrfind import draw_lr_find, lr_find_figure
from gdlab.record.build import load_data, prepare
from gdlab.record.config import load_config
from gdlab.record.lrfind import find_lr, summarize
from tests.plots.artists import draw, legend_labels, outside


def _seed_test(steps: int = 60):  # type: ignore[no-untyped-def]
    config = load_config()
    problem = prepare(config, *load_data(config))
    test = find_lr(config, problem, 1e-6, 10.0, steps)
    return test, summarize(config, problem, test, 1e-6, 10.0)


def test_the_figure_has_both_curves_and_the_four_rates_labelled(tmp_path: Path) -> None:
    test, summary = _seed_test()
    fig = lr_find_figure(test, summary)
    (ax,) = fig.axes
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    labels = legend_labels(fig)
    assert "loss after each step" in labels
    assert any(label.startswith("smoothed") for label in labels)
    for key, words in [
        ("suggested_lr", "suggested"),
        ("minimum_over_10_lr", "minimum / 10"),
        ("critical_lr", "critical lr 2/λmax"),
        ("best_lr", "best fixed lr"),
    ]:
        (label,) = [text for text in labels if text.startswith(words)]
        value = float(label.rsplit(": ", 1)[1])
        assert abs(value - summary[key]) <= 5e-3 * summary[key], (label, summary[key])
        (line,) = [line for line in ax.get_lines() if line.get_label() == label]
        assert line.get_xdata()[0] == summary[key]  # a vertical line at that rate
    curves = [line for line in ax.get_lines() if len(line.get_xdata()) > 2]
    assert [len(c.get_xdata()) for c in curves] == [len(test.lr)] * 2
    assert not draw(fig) and not outside(fig)
    draw_lr_find(tmp_path, test, summary)
    assert mpimg.imread(tmp_path / "lr_find.png").shape[2] in (3, 4)
    assert [p.name for p in tmp_path.iterdir()] == ["lr_find.png"]  # no temporary left


def test_the_loss_frame_keeps_the_start_and_the_lowest_loss_in_view() -> None:
    test, summary = _seed_test()
    (ax,) = lr_find_figure(test, summary).axes
    bottom, top = ax.get_ylim()
    assert bottom < np.nanmin(test.loss) and top > test.initial_loss
