"""Progress bars: training's, then what a run writes and draws; a sweep's points.

Imported only by the commands that train, so `gdlab --help` never loads Rich's
progress machinery.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

from rich.console import Console

if TYPE_CHECKING:
    from rich.progress import Progress

REDRAW_SECONDS = 0.1  # a progress bar redraws at most this often


def progress_bar(console: Console, label: str, detail: str) -> Progress:
    """One Rich progress bar; imported here so `gdlab --help` never loads it.

    It redraws only when updated (``refresh=True``), never from a thread of its
    own: with no other thread running, drawing a run's figures can fork
    (gdlab/plots/helpers.py).
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.table import Column

    # Numbers never give way: at 80 columns the words in between are cut first.
    whole = Column(no_wrap=True)
    return Progress(
        TextColumn(label, table_column=whole),
        BarColumn(bar_width=16, table_column=whole),
        MofNCompleteColumn(table_column=whole),
        TextColumn(detail, table_column=Column(no_wrap=True, overflow="ellipsis", ratio=1)),
        TimeRemainingColumn(table_column=whole),
        TextColumn("left", table_column=whole),
        console=console,
        transient=True,
        auto_refresh=False,
    )


class Redraws:
    """Says when a bar fed many updates a second is due a redraw (at most every REDRAW_SECONDS)."""

    def __init__(self) -> None:
        self.drawn = -math.inf  # when the bar was last redrawn

    def due(self) -> bool:
        now = time.monotonic()
        if now - self.drawn < REDRAW_SECONDS:
            return False
        self.drawn = now
        return True


class TrainingProgress:
    """A Rich progress bar fed by the training callback, then told what the run is writing
    and drawing (:meth:`stage`); silent when not on a terminal."""

    def __init__(self, console: Console, epochs: int, enabled: bool) -> None:
        self.bar: Progress | None = None
        self.redraws = Redraws()
        if enabled and console.is_terminal:
            self.bar = progress_bar(console, "training", "{task.fields[loss]}")
            self.task = self.bar.add_task("train", total=epochs, loss="…")

    def stage(self, what: str) -> None:
        """Say what the run does now that training is over (writing, drawing)."""
        if self.bar is not None:
            self.bar.update(self.task, loss=what, refresh=True)

    def __enter__(self) -> Any:
        if self.bar is None:
            return None
        self.bar.start()
        return self.update

    def update(self, epoch: int, loss: float) -> None:
        assert self.bar is not None
        self.bar.update(
            self.task, completed=epoch, loss=f"loss {loss:.4g}", refresh=self.redraws.due()
        )

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
